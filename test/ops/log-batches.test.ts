// log.flushMs (issue 22): at the default, JSON lines leave the process in batches (one write per
// 4 KiB or per flushMs), and nothing waiting is lost when the router stops. The other process
// tests run with --log-flush-ms 0 (test/helpers/router-process.ts) because they read lines the
// moment they happen.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../sim/cluster.js';
import { startRouterProcess } from '../helpers/router-process.js';
import { eventually } from '../helpers/eventually.js';

/** Sends bytes that are no client's first message: the router refuses it with one info line. */
function garbage(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    const timer = setTimeout(() => s.destroy(), 3000);
    s.on('close', () => (clearTimeout(timer), resolve()));
    s.resume();
    s.end(Buffer.from('not a hive client\r\n'));
  });
}

describe('log lines in batches (log.flushMs)', () => {
  let cluster: SimCluster;
  beforeAll(async () => {
    cluster = await startSimCluster({ nodes: [{ name: 'a' }] });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('40 refusals arrive in a few writes, within flushMs; lines made just before a stop are not lost', async () => {
    const node = cluster.node('a');
    const router = await startRouterProcess(['--node', `a=127.0.0.1:${node.thriftPort}`, '--check', 'none', '--admin', 'off', '--log-flush-ms', '200']);
    const chunks: string[] = [];
    router.child.stdout!.on('data', (d: Buffer) => chunks.push(d.toString()));
    const refused = () => router.lines.filter((l) => String(l.msg).startsWith('client refused')).length;
    await Promise.all(Array.from({ length: 40 }, () => garbage(router.port)));
    const sentAt = Date.now();
    await eventually(() => refused() === 40, { what: '40 refusal lines', timeoutMs: 3000 });
    expect(Date.now() - sentAt).toBeLessThan(1500);
    const carrying = chunks.filter((c) => c.includes('client refused')).length;
    // One write per line would be ~40 reads here; batches of up to 200 ms make a handful.
    expect(carrying).toBeLessThanOrEqual(10);
    // Lines still waiting when SIGTERM comes are written on the way out, with the last line.
    await Promise.all(Array.from({ length: 5 }, () => garbage(router.port)));
    expect(await router.stop()).toBe(0);
    expect(refused()).toBe(45);
    expect(router.lines.at(-1)?.msg).toBe('stopped');
  });
});
