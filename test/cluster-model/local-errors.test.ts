import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectBulk, startBulkNode } from '../helpers/bulk-node.js';
import { eventually } from '../helpers/eventually.js';
import { startRouterProcess } from '../helpers/router-process.js';

const CLIENTS = 170;

/** A client that completes its handshake through the router, or undefined if refused, closed or not answered within 5 s. */
async function tryClient(port: number): Promise<net.Socket | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const attempt = connectBulk(port);
  const timeout = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 5000)));
  try {
    const won = await Promise.race([attempt.then((c) => c.socket), timeout]);
    if (won === undefined)
      void attempt.then(
        (c) => c.socket.destroy(),
        () => {},
      );
    return won;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

describe('the router out of file descriptors (ulimit -n 256, 170 clients)', () => {
  it('keeps committed sessions, blames no node, logs the cause, and recovers', async () => {
    const node = await startBulkNode();
    node.setMode({ kind: 'sink' });
    const router = await startRouterProcess(
      ['--node', `bulk=127.0.0.1:${node.port}`, '--check', 'none', '--admin', '127.0.0.1:0', '--log-level', 'info'],
      10_000,
      256,
    );
    const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => tryClient(router.port)));
    const committed = sockets.filter((s): s is net.Socket => s !== undefined);
    console.info(`${committed.length} of ${CLIENTS} clients committed under ulimit -n 256`);
    expect(committed.length).toBeGreaterThan(50);
    expect(committed.length).toBeLessThan(CLIENTS); // the limit was reached

    const localError = await eventually(() => router.lines.find((l) => l.level === 50 && /out of a local resource/.test(String(l.msg))), {
      what: 'the local-error log line',
    });
    expect(String(localError.msg)).toMatch(/EMFILE/);
    expect(router.lines.filter((l) => /-> down|-> passive/.test(String(l.msg)))).toEqual([]);

    // Every committed session is still open, and still carries bytes to its node.
    for (const s of committed) expect(s.destroyed).toBe(false);
    await Promise.all(
      committed.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.once('close', () => resolve());
            s.end(Buffer.alloc(100, 1));
            s.resume();
          }),
      ),
    );
    await eventually(() => node.received.length === committed.length, { what: 'every session to end at the node' });
    expect(node.received.every((r) => r.bytes === 100)).toBe(true);

    // With the descriptors back, the next client is served.
    const again = await eventually(() => tryClient(router.port), { timeoutMs: 8000, what: 'a client to be served again' });
    again.destroy();
  }, 60_000);
});
