import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { noopObserver } from '../../src/observe.js';
import { ObserveStage } from '../../src/session/observe-stage.js';
import { connectBulk, startBulkNode, type BulkNode } from '../helpers/bulk-node.js';
import { eventually } from '../helpers/eventually.js';
import { startRouterProcess, type RouterProcess } from '../helpers/router-process.js';
import { captureSession, type Capture, type CaptureTransport } from '../helpers/tcli-capture.js';
import { readSaslFrame } from '../../src/wire/sasl-frame.js';

const CASES_PER_TRANSPORT = 1500;
const MAX_CASE_MS = 200;

/** A small deterministic PRNG (mulberry32): a failing case can be replayed from its number. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One of: flipped bytes, a hostile length or type, a cut, bytes inserted, garbage appended. */
function mutate(stream: Buffer, rand: () => number): Buffer {
  const b = Buffer.from(stream);
  const at = Math.floor(rand() * b.length);
  switch (Math.floor(rand() * 6)) {
    case 0:
      for (let i = 0; i < 1 + rand() * 8; i++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      return b;
    case 1:
      if (at + 4 <= b.length) b.writeUInt32BE([0xffffffff, 0x7fffffff, 0x80000000, 0x06400000, 0][Math.floor(rand() * 5)]!, at);
      return b;
    case 2:
      b[at] = [0, 1, 5, 7, 9, 16, 255][Math.floor(rand() * 7)]!;
      return b;
    case 3:
      return b.subarray(0, at);
    case 4:
      return Buffer.concat([
        b.subarray(0, at),
        Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 32) }, () => Math.floor(rand() * 256))),
        b.subarray(at),
      ]);
    default:
      return Buffer.concat([b, Buffer.from('\x80\x01\x00\x02\xff\xff\xff\x00garbage', 'latin1')]);
  }
}

function splits(b: Buffer, rand: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (let pos = 0; pos < b.length;) {
    const n = 1 + Math.floor(rand() * (rand() < 0.5 ? 16 : 4096));
    out.push(b.subarray(pos, pos + n));
    pos += n;
  }
  return out;
}

function committed(transport: CaptureTransport, c: Capture): Capture {
  if (transport !== 'sasl') return c;
  const a = readSaslFrame(c.fromClient, 0, 1 << 20);
  const b = a.kind === 'frame' ? readSaslFrame(c.fromClient, a.frame.end, 1 << 20) : a;
  const n = readSaslFrame(c.fromNode, 0, 1 << 20);
  if (b.kind !== 'frame' || n.kind !== 'frame') throw new Error('no SASL negotiation in the capture');
  return { fromClient: c.fromClient.subarray(b.frame.end), fromNode: c.fromNode.subarray(n.frame.end) };
}

describe('fuzz: malformed frames never crash, hang or stop the bytes', () => {
  const captures = new Map<CaptureTransport, Capture>();
  beforeAll(async () => {
    for (const t of ['sasl', 'nosasl', 'http'] as const) captures.set(t, committed(t, await captureSession(t)));
  }, 60_000);

  it.each(['sasl', 'nosasl', 'http'] as const)('%s: the observe stage gives up cleanly on every mutated stream', (transport) => {
    const { fromClient, fromNode } = captures.get(transport)!;
    let stopped = 0;
    let calls = 0;
    let slowest = 0;
    const log = pino(
      { level: 'info' },
      { write: (line: string) => void (JSON.parse(line).msg === 'stopped observing the session: its bytes keep flowing' && stopped++) },
    );
    for (let n = 0; n < CASES_PER_TRANSPORT; n++) {
      const rand = rng(n + 1);
      const stage = new ObserveStage({
        transport,
        conn: n,
        user: undefined,
        log,
        observer: { ...noopObserver, thriftCall: () => void calls++ },
        slowCallMs: 1e9,
        logStatementDigests: true,
      });
      const client = rand() < 0.5 ? mutate(fromClient, rand) : fromClient;
      const node = client === fromClient || rand() < 0.5 ? mutate(fromNode, rand) : fromNode;
      const started = performance.now();
      // Requests and replies interleaved as on the wire, each side cut at random.
      const a = splits(client, rand);
      const b = splits(node, rand);
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (a[i]) stage.fromClient(a[i]!);
        if (b[i]) stage.fromNode(b[i]!);
      }
      stage.end();
      slowest = Math.max(slowest, performance.now() - started);
    }
    expect(slowest).toBeLessThan(MAX_CASE_MS);
    // Most mutations are seen (the stage stops); calls were still counted up to that point.
    expect(stopped).toBeGreaterThan(CASES_PER_TRANSPORT / 3);
    expect(calls).toBeGreaterThan(CASES_PER_TRANSPORT);
  });

  describe('through the router process', () => {
    let node: BulkNode;
    let router: RouterProcess;
    beforeAll(async () => {
      node = await startBulkNode();
      node.setMode({ kind: 'sink' });
      router = await startRouterProcess([
        '--node',
        `a=127.0.0.1:${node.port}`,
        '--check',
        'none',
        '--admin',
        'off',
        '--observe-sessions',
        '--log-level',
        'info',
      ]);
    });

    it('200 SASL sessions of mutated calls: the node receives every byte the client sent, and the router lives on', async () => {
      const { fromClient } = captures.get('sasl')!;
      const sent: string[] = [];
      for (let n = 0; n < 200; n += 20) {
        await Promise.all(
          Array.from({ length: 20 }, async (_, k) => {
            const rand = rng(10_000 + n + k);
            const bytes = mutate(fromClient, rand);
            sent[n + k] = createHash('sha256').update(bytes).digest('hex');
            const { socket } = await connectBulk(router.port);
            for (const piece of splits(bytes, rand)) socket.write(piece);
            socket.end();
            await new Promise<void>((r) => (socket.once('close', () => r()), socket.resume()));
          }),
        );
      }
      await eventually(() => node.received.length === 200, { timeoutMs: 20_000, what: 'every session at the node' });
      expect(new Set(node.received.map((r) => r.sha256))).toEqual(new Set(sent));
      const stopped = router.lines.filter((l) => l.msg === 'stopped observing the session: its bytes keep flowing').length;
      expect(stopped).toBeGreaterThan(50);
      await eventually(() => router.lines.filter((l) => l.msg === 'connection closed').length === 200, { what: 'a closing line per session' });
      expect(router.child.exitCode).toBeNull();
      expect(await router.stop()).toBe(0);
    }, 120_000);
  });
});
