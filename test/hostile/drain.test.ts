import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { plainClientHello } from '../../sim/wire.js';
import { connectBulk, PLAIN_HELLO_ANSWER_BYTES, startBulkNode } from '../helpers/bulk-node.js';
import { onStop } from '../helpers/registry.js';
import { startRouterProcess } from '../helpers/router-process.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads a keyed stream to its end; how it ended: a FIN ('end') or an error (a reset). */
function readToEnd(socket: net.Socket, key: number, slowMs = 0): Promise<{ bytes: number; foreign: number; ended: 'fin' | string }> {
  return new Promise((resolve) => {
    let bytes = 0;
    let foreign = 0;
    socket.on('data', (c: Buffer) => {
      bytes += c.length;
      for (const b of c) if (b !== key) foreign++;
      if (slowMs) {
        socket.pause();
        setTimeout(() => socket.resume(), slowMs);
      }
    });
    socket.once('end', () => resolve({ bytes, foreign, ended: 'fin' }));
    socket.once('error', (err: NodeJS.ErrnoException) => resolve({ bytes, foreign, ended: err.code ?? err.message }));
    socket.resume();
  });
}

describe('drain (SIGTERM, shutdownGraceMs 3000)', () => {
  it('a connection committed after SIGTERM finishes its stream; at the deadline a slow reader gets a FIN, not a reset', async () => {
    const node = await startBulkNode();
    node.setMode({ kind: 'keyed-source', bytes: 16 * MiB });
    const dir = mkdtempSync(path.join(tmpdir(), 'livy-router-drain-'));
    onStop(() => rmSync(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'config.yaml');
    writeFileSync(config, `nodes:\n  - name: bulk\n    host: 127.0.0.1\n    port: ${node.port}\nshutdownGraceMs: 3000\n`);
    const router = await startRouterProcess(['--config', config, '--check', 'none', '--admin', 'off', '--log-level', 'info']);

    // A slow reader of an endless stream: still reading when the grace runs out.
    node.setMode({ kind: 'keyed-source', bytes: 4096 * MiB });
    const slow = await connectBulk(router.port);
    slow.socket.write(Buffer.of(7));
    const slowEnd = readToEnd(slow.socket, 7, 20);

    // A client whose handshake is in flight at SIGTERM: the node answers OpenSession 150 ms later.
    node.setMode({ kind: 'keyed-source', bytes: 16 * MiB });
    node.setAnswerDelay(150);
    const late = net.connect(router.port, '127.0.0.1');
    late.on('error', () => {});
    await new Promise((r) => late.once('connect', r));
    late.write(plainClientHello());
    await sleep(30);
    const sigtermAt = Date.now();
    router.child.kill('SIGTERM');
    let answer = Buffer.alloc(0);
    await new Promise<void>((resolve) => {
      const onData = (c: Buffer) => {
        answer = Buffer.concat([answer, c]);
        if (answer.length < PLAIN_HELLO_ANSWER_BYTES) return;
        late.off('data', onData);
        late.pause();
        resolve();
      };
      late.on('data', onData);
    });
    const committedAfterMs = Date.now() - sigtermAt;
    expect(answer[0]).toBe(0x05);
    late.write(Buffer.of(9));
    const lateEnd = await readToEnd(late, 9);
    const lateDoneAfterMs = Date.now() - sigtermAt;
    const slowResult = await slowEnd;
    const code = await router.exited;
    console.info(
      `committed ${committedAfterMs} ms after SIGTERM, its 16 MiB done after ${lateDoneAfterMs} ms; slow reader ended by ${slowResult.ended} after ${slowResult.bytes} bytes; exit ${code}`,
    );
    expect(committedAfterMs).toBeGreaterThan(0);
    expect(lateEnd).toEqual({ bytes: 16 * MiB + answer.length - PLAIN_HELLO_ANSWER_BYTES, foreign: 0, ended: 'fin' });
    expect(lateDoneAfterMs).toBeLessThan(3000);
    expect(slowResult.ended).toBe('fin');
    expect(slowResult.foreign).toBe(0);
    expect(code).toBe(0);
  }, 30_000);
});
