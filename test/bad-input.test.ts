import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectBulk, PLAIN_HELLO_ANSWER_BYTES, plainClientHello, startBulkNode, type BulkNode } from './helpers/bulk-node.js';
import { exchange } from './helpers/net.js';
import { REFUSAL_FIRST_BYTES_WAIT_MS } from '../src/listener/limit-refusal.js';
import { startTestRouter, type LogLine } from './helpers/router.js';
import type { Service } from '../src/service.js';

/** A healthy client doing its handshake, then leaving; proves other clients are not disturbed. */
async function healthyHandshake(port: number): Promise<Buffer> {
  const { socket, answer } = await connectBulk(port);
  socket.destroy();
  return answer;
}

const reasons = (lines: LogLine[]) => lines.filter((l) => l.msg.startsWith('client refused')).map((l) => String(l.reason));

describe('bad client input', () => {
  let node: BulkNode;
  let service: Service;
  let port: number;
  let lines: LogLine[];
  beforeAll(async () => {
    node = await startBulkNode();
    ({ service, port, lines } = await startTestRouter([{ name: 'bulk', port: node.port }], {
      handshake: { clientFirstBytesTimeoutMs: 300, timeoutMs: 2000 },
      // 1,000 sockets from one address: the per-source limit has its own test (source-limit.test.ts).
      maxClientConnectionsPerSource: 0,
    }));
  });

  it('garbage first bytes: closed at once, reason logged, node never dialled', async () => {
    const before = node.connections();
    const { answer } = await exchange(port, Buffer.from('\x42\x00garbage-bytes\r\n'));
    expect(answer.length).toBe(0);
    expect(node.connections()).toBe(before);
    await expect.poll(() => reasons(lines).at(-1)).toContain('unrecognised first bytes');
  });

  it('a SASL frame claiming 2^31 bytes: SASL ERROR frame with the reason, then close', async () => {
    const { answer } = await exchange(port, Buffer.from([0x01, 0x80, 0x00, 0x00, 0x00, 0x50]));
    expect(answer[0]).toBe(0x04);
    expect(answer.subarray(5).toString()).toContain('claims 2147483648 bytes');
    await expect.poll(() => reasons(lines).at(-1)).toContain('claims 2147483648 bytes');
  });

  it('a client that connects and sends nothing is closed after clientFirstBytesTimeoutMs', async () => {
    const { closedAfterMs } = await exchange(port, undefined);
    expect(closedAfterMs).toBeGreaterThanOrEqual(250);
    expect(closedAfterMs).toBeLessThan(3000);
    await expect.poll(() => reasons(lines).at(-1)).toContain('no complete first message within 300 ms');
  });

  it('1,000 connections opened and abandoned: the router stays up, memory bounded, others served', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 1000; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      sockets.push(s);
      if (i % 3 === 0) s.once('connect', () => s.write(Buffer.from([0x01, 0, 0, 0, 5]))); // half a START frame
    }
    await Promise.all(sockets.map((s) => new Promise((r) => (s.connecting ? s.once('connect', r) : r(null)))));
    // While they sit there, a real client still gets through.
    const answer = await healthyHandshake(port);
    expect(answer[0]).toBe(0x05);
    for (const s of sockets) s.destroy();
    // The router notices every abandoned socket: no client socket is left open.
    await expect.poll(() => service.router.clientConnections(), { timeout: 5000 }).toBe(0);
    expect(service.router.registry.count()).toBe(0);
    const growthMiB = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
    expect(growthMiB).toBeLessThan(64);
    const after = await healthyHandshake(port);
    expect(after[0]).toBe(0x05);
  });
});

describe('idle timeout', () => {
  it('closes a committed connection after session.idleTimeoutMs without bytes, with the reason logged', async () => {
    const node = await startBulkNode();
    node.setMode({ kind: 'sink' });
    const { service, port, lines } = await startTestRouter([{ name: 'bulk', port: node.port }], { session: { idleTimeoutMs: 300 } });
    try {
      const answer = await exchange(port, plainClientHello());
      expect(answer.answer.length).toBe(PLAIN_HELLO_ANSWER_BYTES);
      expect(answer.closedAfterMs).toBeGreaterThanOrEqual(280);
      await expect.poll(() => lines.find((l) => l.msg === 'connection closed')?.reason).toBe('idle for 300 ms');
    } finally {
      await service.stop();
      await node.close();
    }
  });
});

describe('maxClientConnections', () => {
  it('refuses clients past the limit, in their protocol when they speak at once, logs it, and serves again when a slot frees', async () => {
    const node = await startBulkNode();
    node.setMode({ kind: 'sink' });
    const { service, port, lines } = await startTestRouter([{ name: 'bulk', port: node.port }], { maxClientConnections: 2 });
    const held: net.Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => {});
        held.push(s);
        await new Promise((r) => s.once('connect', r));
      }
      await expect.poll(() => service.router.clientConnections()).toBe(2);
      // A silent third client is closed once the short wait for its first bytes is over.
      const third = await exchange(port, undefined, { timeoutMs: 3000 });
      expect(third.answer.length).toBe(0);
      expect(third.closedAfterMs).toBeLessThan(REFUSAL_FIRST_BYTES_WAIT_MS + 500);
      // One that speaks SASL is told why, in a SASL ERROR frame.
      const fourth = await exchange(port, plainClientHello(), { timeoutMs: 3000 });
      expect(fourth.answer[0]).toBe(0x04);
      expect(fourth.answer.subarray(5).toString()).toBe(`livy-router: listener 127.0.0.1:${port} is full: maxClientConnections is 2`);
      await expect.poll(() => lines.some((l) => /refused 1 client\(s\): listener .* is full/.test(l.msg))).toBe(true);
      held.pop()!.destroy();
      await expect.poll(() => service.router.clientConnections()).toBe(1);
      const answer = await healthyHandshake(port);
      expect(answer[0]).toBe(0x05);
    } finally {
      for (const s of held) s.destroy();
      await service.stop();
      await node.close();
    }
  });
});
