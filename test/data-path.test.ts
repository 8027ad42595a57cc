import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { connectBulk, pattern, startBulkNode, type BulkNode } from './helpers/bulk-node.js';
import { startRouterProcess, type RouterProcess } from './helpers/router-process.js';

const MiB = 1024 * 1024;
const TOTAL = 256 * MiB;

describe('data path through the real router process', () => {
  let node: BulkNode;
  let router: RouterProcess;
  beforeAll(async () => {
    node = await startBulkNode();
    router = await startRouterProcess(['--node', `bulk=127.0.0.1:${node.port}`, '--check', 'none', '--admin', '127.0.0.1:0', '--log-level', 'info']);
  });

  it('carries 256 MiB client->node byte-exact', async () => {
    node.setMode({ kind: 'sink' });
    const { socket } = await connectBulk(router.port);
    const sent = createHash('sha256');
    let offset = 0;
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (offset < TOTAL) {
          const b = pattern(MiB, offset);
          sent.update(b);
          offset += b.length;
          if (!socket.write(b)) return void socket.once('drain', pump);
        }
        socket.end();
        resolve();
      };
      pump();
    });
    socket.resume();
    await new Promise((r) => socket.once('close', r));
    const rec = node.received.at(-1)!;
    expect(rec.bytes).toBe(TOTAL);
    expect(rec.sha256).toBe(sent.digest('hex'));
  }, 120_000);

  it('carries 256 MiB node->client byte-exact to a slow reader with bounded router memory', async () => {
    node.setMode({ kind: 'source', bytes: TOTAL });
    const rssBefore = router.rssKiB();
    const { socket, leftover } = await connectBulk(router.port);
    const expected = createHash('sha256');
    for (let off = 0; off < TOTAL; off += MiB) expected.update(pattern(MiB, off));
    const got = createHash('sha256');
    got.update(leftover);
    let bytes = leftover.length;
    let maxRss = rssBefore;
    // Slow reader: 20 ms pause after every MiB for the first 64 MiB (the node sends at full speed).
    await new Promise<void>((resolve) => {
      let nextPause = MiB;
      socket.on('data', (c: Buffer) => {
        got.update(c);
        bytes += c.length;
        if (bytes < 64 * MiB && bytes >= nextPause) {
          nextPause += MiB;
          socket.pause();
          maxRss = Math.max(maxRss, router.rssKiB());
          setTimeout(() => socket.resume(), 20);
        }
      });
      socket.once('end', () => {
        socket.end();
        resolve();
      });
      socket.resume();
    });
    expect(bytes).toBe(TOTAL);
    expect(got.digest('hex')).toBe(expected.digest('hex'));
    const growthKiB = maxRss - rssBefore;
    // Without backpressure the router would buffer most of the 256 MiB the node sends at full
    // speed while the reader dawdles; with it, only socket buffers. 64 MiB leaves room for GC lag
    // on a loaded machine and still catches an unbounded buffer.
    expect(growthKiB).toBeLessThan(64 * 1024);
    console.info(`router RSS before ${rssBefore} KiB, max during slow read ${maxRss} KiB (+${growthKiB} KiB)`);
  }, 120_000);

  it('half-close: client FIN reaches the node, the node still answers, then closes', async () => {
    node.setMode({ kind: 'echo-after-end' });
    const { socket } = await connectBulk(router.port);
    socket.write(Buffer.alloc(1000, 1));
    socket.end(); // half-close: we can still read
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.resume();
    await new Promise((r) => socket.once('end', r));
    expect(text).toBe('got 1000');
    await new Promise((r) => socket.once('close', r));
  });

  it('half-close: node FIN reaches the client while the client keeps sending', async () => {
    node.setMode({ kind: 'source', bytes: 10 });
    const { socket, leftover } = await connectBulk(router.port);
    let got = leftover.length;
    socket.on('data', (c: Buffer) => (got += c.length));
    socket.resume();
    await new Promise((r) => socket.once('end', r)); // node's FIN arrived; our side is still open
    expect(got).toBe(10);
    expect(socket.writable).toBe(true);
    socket.write(Buffer.alloc(5000, 2));
    socket.end();
    await new Promise((r) => socket.once('close', r));
    await expect.poll(() => node.received.at(-1)?.bytes, { timeout: 2000 }).toBe(5000);
  });
});
