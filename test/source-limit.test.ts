import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLAIN_HELLO_ANSWER_BYTES, plainClientHello, startBulkNode, type BulkNode } from './helpers/bulk-node.js';
import { startTestRouter, type LogLine } from './helpers/router.js';
import type { Service } from '../src/service.js';
import { validateConfig } from '../src/config/validate.js';

const LIMIT = 32;

function open(port: number, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    s.once('error', reject);
    s.once('connect', () => resolve(s));
  });
}

/** SASL PLAIN + OpenSession through the router; resolves with whether the full answer came back. */
function handshake(port: number, localAddress: string, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    let got = 0;
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.on('error', () => done(false));
    s.on('close', () => done(got >= PLAIN_HELLO_ANSWER_BYTES));
    s.on('data', (c: Buffer) => {
      got += c.length;
      if (got >= PLAIN_HELLO_ANSWER_BYTES) done(true);
    });
    s.write(plainClientHello());
  });
}

/** How long until the router closes a connection that sent nothing (or the bound, if it does not). */
function closedWithin(s: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    s.on('error', () => {});
    s.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    s.resume();
  });
}

describe('maxClientConnectionsPerSource', () => {
  let node: BulkNode;
  let service: Service;
  let port: number;
  let lines: LogLine[];
  const held: net.Socket[] = [];

  beforeAll(async () => {
    node = await startBulkNode();
    ({ service, port, lines } = await startTestRouter([{ name: 'bulk', port: node.port }], {
      maxClientConnectionsPerSource: LIMIT,
      handshake: { clientFirstBytesTimeoutMs: 20_000 },
    }));
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    await service?.stop();
    await node?.close();
  });

  it('refuses a source past its limit at once, logs it, and serves another source 50 of 50', async () => {
    for (let i = 0; i < LIMIT; i++) held.push(await open(port, '127.0.0.1'));
    await expect.poll(() => service.router.clientConnections()).toBe(LIMIT);

    const extra = await open(port, '127.0.0.1');
    expect(await closedWithin(extra, 2000)).toBe(true);
    await expect.poll(() => lines.some((l) => /too many connections from 127\.0\.0\.1: maxClientConnectionsPerSource is 32/.test(l.msg))).toBe(true);

    const results: boolean[] = [];
    for (let round = 0; round < 5; round++) {
      results.push(...(await Promise.all(Array.from({ length: 10 }, () => handshake(port, '127.0.0.2')))));
    }
    expect(results.filter(Boolean).length).toBe(50);
  });

  it('gives the slot back when a connection closes', async () => {
    held.pop()!.destroy();
    await expect.poll(() => service.router.clientConnections()).toBe(LIMIT - 1);
    expect(await handshake(port, '127.0.0.1')).toBe(true);
  });

  it('defaults to 256, and 0 turns it off', () => {
    const base = { nodes: [{ host: '127.0.0.1' }] };
    const v = validateConfig(base);
    expect(v.ok && v.config.maxClientConnectionsPerSource).toBe(256);
    const off = validateConfig({ ...base, maxClientConnectionsPerSource: 0 });
    expect(off.ok && off.config.maxClientConnectionsPerSource).toBe(0);
    expect(validateConfig({ ...base, maxClientConnectionsPerSource: -1 }).ok).toBe(false);
  });
});
