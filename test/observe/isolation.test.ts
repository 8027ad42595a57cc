import type net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectBulk, keyedThriftCall, keyedThriftReply, startBulkNode, type BulkNode } from '../helpers/bulk-node.js';
import { eventually } from '../helpers/eventually.js';
import { startRouterProcess, type RouterProcess } from '../helpers/router-process.js';

const SESSIONS = 16;
const FRAMES = 256;
const ROW_BYTES = 64 * 1024; // 16 MiB per session, 256 MiB through the observing router
const SLOW_PAUSE_EVERY = 64 * 1024;
const SLOW_PAUSE_MS = 3;

/** Reads the session's whole stream and compares every byte with its own reply frame, repeated. */
async function keyedSession(port: number, key: number, slow: boolean): Promise<{ bytes: number; wrong: number }> {
  const { socket, leftover }: { socket: net.Socket; leftover: Buffer } = await connectBulk(port);
  const reference = keyedThriftReply(key, ROW_BYTES);
  const out = { bytes: 0, wrong: 0 };
  const check = (c: Buffer) => {
    let pos = 0;
    while (pos < c.length) {
      const at = out.bytes % reference.length;
      const n = Math.min(c.length - pos, reference.length - at);
      if (!c.subarray(pos, pos + n).equals(reference.subarray(at, at + n))) {
        for (let i = 0; i < n; i++) if (c[pos + i] !== reference[at + i]) out.wrong++;
      }
      pos += n;
      out.bytes += n;
    }
  };
  if (leftover.length) check(leftover);
  await new Promise<void>((resolve, reject) => {
    let nextPause = SLOW_PAUSE_EVERY;
    socket.on('data', (c: Buffer) => {
      check(c);
      if (slow && out.bytes >= nextPause) {
        nextPause = out.bytes + SLOW_PAUSE_EVERY;
        socket.pause();
        setTimeout(() => socket.resume(), SLOW_PAUSE_MS);
      }
    });
    socket.once('end', () => socket.end());
    socket.once('close', (hadError: boolean) => (hadError ? reject(new Error(`session ${key} reset`)) : resolve()));
    socket.write(keyedThriftCall(key));
    socket.resume();
  });
  return out;
}

/**
 * Sessions through the real router process with --observe-sessions, half of them slow readers,
 * each streaming FetchResults replies made of its own key: every byte arrives as the node sent
 * it, and the observer followed every reply of every session to the end (its row count).
 */
describe('observe on: concurrent sessions keep their bytes exactly', () => {
  let node: BulkNode;
  let router: RouterProcess;

  beforeAll(async () => {
    node = await startBulkNode();
    node.setMode({ kind: 'keyed-thrift', frames: FRAMES, rowBytes: ROW_BYTES });
    router = await startRouterProcess(['--node', `a=127.0.0.1:${node.port}`, '--check', 'none', '--admin', 'off', '--observe-sessions', '--log-level', 'info']);
  });

  it(`${SESSIONS} sessions, half slow: 0 wrong bytes, every reply observed`, async () => {
    const outcomes = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => keyedSession(router.port, 10 + i, i % 2 === 1)));
    const frameBytes = keyedThriftReply(0, ROW_BYTES).length;
    for (const o of outcomes) expect(o).toEqual({ bytes: FRAMES * frameBytes, wrong: 0 });
    const closed = await eventually(() => {
      const lines = router.lines.filter((l) => l.msg === 'connection closed');
      return lines.length === SESSIONS && lines;
    });
    for (const line of closed) {
      expect(line.observeStopped).toBeUndefined();
      expect(line.rowsFetched).toBe(FRAMES);
      // The one call the client made, answered by the first reply; the rest answer nothing it asked.
      expect(line.callsByMethod).toEqual({ OpenSession: 1, FetchResults: 1 });
    }
    expect(await router.stop()).toBe(0);
  }, 120_000);
});
