import { describe, expect, it } from 'vitest';
import { encodeSaslFrame, SaslStatus } from '../../src/wire/sasl-frame.js';
import { exchange } from '../helpers/net.js';
import { startTestRouter } from '../helpers/router.js';
import { startSimCluster } from '../helpers/sim.js';

const DEADLINE_MS = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('slow handshakes are bounded by handshake.deadlineMs and cost no node connection', () => {
  it('a SASL START then 1 byte every 400 ms, and a bare `16 03`: each closed within the deadline, in its protocol, no node dialled', async () => {
    const cluster = await startSimCluster({ nodes: [{ name: 'livy-1' }, { name: 'livy-2' }], active: 'livy-1' });
    const nodes = cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort }));
    const { port } = await startTestRouter(nodes, { handshake: { deadlineMs: DEADLINE_MS, clientFirstBytesTimeoutMs: 5000 } });
    const before = cluster.nodes.map((n) => n.stats.connectionsAccepted);

    // The PLAIN credentials frame claims 40 bytes and arrives one byte at a time.
    const start = Buffer.concat([encodeSaslFrame(SaslStatus.START, 'PLAIN'), Buffer.from([SaslStatus.OK, 0, 0, 0, 40])]);
    const trickler = (async () => {
      const net = await import('node:net');
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      const parts: Buffer[] = [];
      s.on('data', (c: Buffer) => parts.push(c));
      const closed = new Promise<number>((r) => s.once('close', () => r(Date.now())));
      const startedAt = Date.now();
      s.write(start);
      for (let i = 0; i < 20 && !s.destroyed && s.writable; i++) {
        await sleep(400);
        if (s.writable) s.write(Buffer.from('x'));
      }
      return { closedAfterMs: (await closed) - startedAt, answer: Buffer.concat(parts) };
    })();
    const tls = exchange(port, Buffer.from([0x16, 0x03]), { timeoutMs: 5000 });
    const [t, h] = await Promise.all([trickler, tls]);

    console.info(`trickling SASL client closed after ${t.closedAfterMs} ms, bare 16 03 after ${h.closedAfterMs} ms`);
    expect(t.closedAfterMs).toBeLessThan(DEADLINE_MS + 500);
    expect(t.answer[0]).toBe(SaslStatus.ERROR);
    expect(t.answer.subarray(5).toString()).toMatch(/no complete first message within 1500 ms/);
    expect(h.closedAfterMs).toBeLessThan(DEADLINE_MS + 500);
    expect(h.answer.subarray(0, 1)).toEqual(Buffer.from([0x15])); // a TLS alert record
    expect(cluster.nodes.map((n) => n.stats.connectionsAccepted)).toEqual(before);
  });
});
