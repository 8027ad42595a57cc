// One soak client: connects through the router, does SASL PLAIN + OpenSession, asks for a few
// keyed streams and checks every byte, closes, and starts again until told to stop. Half of the
// clients read slowly. What each connection came to is added to the shared tally.
import net from 'node:net';
import { NODE_HELLO_ANSWER, plainClientHello } from '../sim/wire.js';
import { countForeign, encodeRequest, keyedBlock } from './soak-stream.js';

export const HUNG_AFTER_MS = 5000;
const SLOW_PAUSE_EVERY = 64 * 1024;
const SLOW_PAUSE_MS = 3;
const RECONNECT_DELAY_MS = 100;

export interface Tally {
  connections: number;
  completed: number;
  /** Refused or cut while a failover was under way: expected, counted apart. */
  cutInFailover: number;
  /** Refused or cut outside every failover window. */
  failed: number;
  hungClients: number;
  corruptedBytes: number;
  bytes: number;
  /** The first failures, for the report. */
  failures: string[];
  /** When each handshake succeeded (ms since epoch, ascending): how soon service came back after an event. */
  servedAt: number[];
}

export interface ClientContext {
  port: number;
  tally: Tally;
  /** Whether a failure at this time falls in a failover window. */
  inFailoverWindow(at: number): boolean;
  stopped(): boolean;
}

type End = { kind: 'ok' } | { kind: 'cut'; reason: string } | { kind: 'hung'; stage: string };

let nextSeed = 1;

/** One connection: handshake, `requests` keyed streams of `bytes` each, then FIN. */
function oneConnection(ctx: ClientContext, slow: boolean, requests: number, bytes: number): Promise<End> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: ctx.port, allowHalfOpen: true });
    let stage = 'connect';
    let lastProgress = Date.now();
    let settled = false;
    let hello = Buffer.alloc(0);
    let left = requests;
    let block: Buffer = Buffer.alloc(0);
    let at = 0;
    let nextPause = SLOW_PAUSE_EVERY;
    let pauseTimer: NodeJS.Timeout | undefined;
    const finish = (end: End) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      clearTimeout(pauseTimer);
      socket.destroy();
      resolve(end);
    };
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress > HUNG_AFTER_MS) finish({ kind: 'hung', stage });
    }, 250);
    const ask = () => {
      const seed = nextSeed++;
      block = keyedBlock(seed);
      at = 0;
      stage = 'stream';
      socket.write(encodeRequest(seed, bytes));
    };
    const onStream = (c: Buffer) => {
      ctx.tally.corruptedBytes += countForeign(block, c.subarray(0, bytes - at), at);
      ctx.tally.bytes += c.length;
      at += c.length;
      if (at > bytes) ctx.tally.corruptedBytes += at - bytes; // bytes nobody asked for
      if (slow && at >= nextPause) {
        nextPause = at + SLOW_PAUSE_EVERY;
        socket.pause();
        pauseTimer = setTimeout(() => socket.resume(), SLOW_PAUSE_MS);
      }
      if (at < bytes) return;
      nextPause = SLOW_PAUSE_EVERY;
      if (--left > 0) return ask();
      stage = 'closing';
      socket.end();
    };
    socket.on('data', (c: Buffer) => {
      lastProgress = Date.now();
      if (stage === 'stream') return onStream(c);
      if (stage !== 'handshake') return;
      hello = Buffer.concat([hello, c]);
      if (hello[0] !== 0x05)
        return finish({ kind: 'cut', reason: `refused in the handshake: ${hello.subarray(5).toString('latin1') || `0x${hello[0]?.toString(16)}`}` });
      if (hello.length < NODE_HELLO_ANSWER.length) return;
      if (!hello.subarray(0, NODE_HELLO_ANSWER.length).equals(NODE_HELLO_ANSWER) || hello.length > NODE_HELLO_ANSWER.length) {
        ctx.tally.corruptedBytes += Math.max(hello.length - NODE_HELLO_ANSWER.length, 1);
      }
      ctx.tally.servedAt.push(Date.now());
      ask();
    });
    socket.on('connect', () => {
      lastProgress = Date.now();
      stage = 'handshake';
      socket.write(plainClientHello('soak', 'soak'));
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ kind: 'cut', reason: `${stage}: ${err.code ?? err.message}` }));
    socket.on('end', () => {
      if (stage === 'closing') finish({ kind: 'ok' });
      else finish({ kind: 'cut', reason: `${stage}: closed by the router` });
    });
    socket.on('close', () => finish(stage === 'closing' ? { kind: 'ok' } : { kind: 'cut', reason: `${stage}: closed` }));
  });
}

/** Connects again and again until `ctx.stopped()`; a slow client reads with a pause every 64 KiB. */
export async function runClient(ctx: ClientContext, slow: boolean): Promise<void> {
  const { tally } = ctx;
  while (!ctx.stopped()) {
    tally.connections++;
    const requests = 2 + Math.floor(Math.random() * 6);
    const end = await oneConnection(ctx, slow, requests, slow ? 512 * 1024 : 4 * 1024 * 1024);
    const now = Date.now();
    if (end.kind === 'ok') tally.completed++;
    else if (end.kind === 'hung') {
      tally.hungClients++;
      tally.failures.push(`${new Date(now).toISOString()} no byte for ${HUNG_AFTER_MS} ms in ${end.stage}`);
    } else if (ctx.inFailoverWindow(now)) tally.cutInFailover++;
    else {
      tally.failed++;
      if (tally.failures.length < 20) tally.failures.push(`${new Date(now).toISOString()} ${end.reason}`);
    }
    if (end.kind !== 'ok') await new Promise((r) => setTimeout(r, RECONNECT_DELAY_MS));
  }
}
