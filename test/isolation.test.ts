import type net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectBulk, startBulkNode, type BulkNode } from './helpers/bulk-node.js';
import { startRouterProcess, type RouterProcess } from './helpers/router-process.js';

const MiB = 1024 * 1024;
const SESSIONS = 32;
const PER_SESSION = 64 * MiB; // 32 x 64 MiB = 2 GiB through the router
const SLOW_PAUSE_EVERY = 64 * 1024;
const SLOW_PAUSE_MS = 3;

interface Outcome {
  key: number;
  slow: boolean;
  bytes: number;
  foreign: number;
  foreignKeys: Set<number>;
}

/**
 * One session: sends its key, then reads until the node's FIN. Every byte it receives must be its
 * key; a slow reader pauses SLOW_PAUSE_MS after every SLOW_PAUSE_EVERY bytes, so the router's
 * writes to it only partly complete and queue (the case that once leaked another session's bytes).
 */
async function keyedSession(port: number, key: number, slow: boolean): Promise<Outcome> {
  const { socket, leftover } = await connectBulk(port);
  const outcome: Outcome = { key, slow, bytes: 0, foreign: 0, foreignKeys: new Set() };
  const reference = Buffer.alloc(256 * 1024, key);
  const check = (c: Buffer) => {
    outcome.bytes += c.length;
    for (let off = 0; off < c.length; off += reference.length) {
      const part = c.subarray(off, off + reference.length);
      if (part.equals(reference.subarray(0, part.length))) continue;
      for (const b of part) {
        if (b === key) continue;
        outcome.foreign++;
        outcome.foreignKeys.add(b);
      }
    }
  };
  if (leftover.length) check(leftover);
  await new Promise<void>((resolve, reject) => {
    let nextPause = SLOW_PAUSE_EVERY;
    const onData = (c: Buffer) => {
      check(c);
      if (slow && outcome.bytes >= nextPause) {
        nextPause = outcome.bytes + SLOW_PAUSE_EVERY;
        socket.pause();
        setTimeout(() => socket.resume(), SLOW_PAUSE_MS);
      }
    };
    socket.on('data', onData);
    socket.once('end', () => {
      socket.end();
      resolve();
    });
    socket.once('close', (hadError: boolean) => (hadError ? reject(new Error(`session ${key} reset`)) : resolve()));
    socket.write(Buffer.of(key));
    socket.resume();
  });
  await closed(socket);
  return outcome;
}

function closed(socket: net.Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((r) => socket.once('close', () => r()));
}

describe('session isolation through the real router process', () => {
  let node: BulkNode;
  let router: RouterProcess;
  beforeAll(async () => {
    node = await startBulkNode();
    node.setMode({ kind: 'keyed-source', bytes: PER_SESSION });
    router = await startRouterProcess(['--node', `bulk=127.0.0.1:${node.port}`, '--check', 'none', '--admin', '127.0.0.1:0', '--log-level', 'info']);
  });

  it(`${SESSIONS} concurrent sessions, half of them slow readers: every byte reaches its own client`, async () => {
    const startedAt = Date.now();
    const outcomes = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => keyedSession(router.port, i + 1, i % 2 === 1)));
    const seconds = (Date.now() - startedAt) / 1000;
    const total = outcomes.reduce((a, o) => a + o.bytes, 0);
    const corrupted = outcomes.filter((o) => o.foreign > 0);
    console.info(
      `${SESSIONS} sessions, ${(total / MiB).toFixed(0)} MiB in ${seconds.toFixed(1)} s; ` +
        `foreign bytes: ${corrupted.reduce((a, o) => a + o.foreign, 0)} in ${corrupted.length} sessions ` +
        `(${corrupted.map((o) => `${o.key}${o.slow ? ' slow' : ''} got keys ${[...o.foreignKeys].join(',')}`).join('; ')})`,
    );
    for (const o of outcomes) {
      expect({ key: o.key, bytes: o.bytes, foreign: o.foreign }).toEqual({ key: o.key, bytes: PER_SESSION, foreign: 0 });
    }
    expect(total).toBe(SESSIONS * PER_SESSION);
  }, 90_000);
});
