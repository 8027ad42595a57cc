// The bench's client side, run as its own process so that it does not share an event loop with the
// proxy being measured. The parent sends one LoadJob at a time over IPC and gets one answer back.
// Every socket reads into one shared buffer (net `onread`), so the client allocates nothing per read
// and costs the same whichever target it talks to.
import net from 'node:net';
import { clientHello, HTTP_OPEN_SESSION_ANSWER, httpOpenSession, NODE_ANSWER, type NodeMode } from './wire.js';

export type LoadJob =
  | { op: 'bulk'; port: number; bytes: number }
  | { op: 'rtt'; port: number; count: number; warmup: number; size: number }
  | { op: 'conn'; port: number; concurrency: number; durationMs: number }
  | { op: 'plain'; port: number; concurrency: number; durationMs: number }
  | { op: 'newconn'; port: number; transport: 'binary' | 'http'; count: number; warmup: number }
  | { op: 'idle-open'; port: number; count: number; concurrency: number }
  | { op: 'idle-close' }
  | { op: 'fetch'; port: number; rows: number; timeoutMs: number };

export type LoadAnswer =
  | { op: 'bulk'; bytes: number; ms: number; mbps: number }
  | { op: 'rtt'; p50Us: number; p99Us: number }
  | { op: 'conn'; done: number; errors: number; perSec: number }
  | { op: 'newconn'; p50Us: number; p99Us: number; errors: number }
  | { op: 'idle-open'; open: number; errors: number }
  | { op: 'idle-close' }
  | { op: 'fetch'; rows: number; ms: number }
  | { op: 'error'; message: string };

const READ_BUF = Buffer.allocUnsafe(1 << 20);
const ANSWER_BYTES = NODE_ANSWER.length;

/** Called with each read after the handshake answer: `buf[0..n)` is valid only during the call. */
type OnBytes = (n: number, buf: Buffer) => void;

/**
 * Connects, sends the hello for `mode` and resolves once the node's whole answer is in; bytes
 * after the answer go to `onBytes`. Rejects on any error or close before the answer.
 */
function open(port: number, mode: NodeMode, onBytes: OnBytes): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    let answered = 0;
    const socket = net.connect({
      host: '127.0.0.1',
      port,
      noDelay: true,
      onread: {
        buffer: READ_BUF,
        callback: (n: number, buf: Uint8Array) => {
          if (answered < ANSWER_BYTES) {
            const used = Math.min(n, ANSWER_BYTES - answered);
            answered += used;
            if (answered === ANSWER_BYTES) resolve(socket);
            if (n > used) onBytes(n - used, Buffer.from(buf.buffer, buf.byteOffset + used, n - used));
            return true;
          }
          onBytes(n, buf as Buffer);
          return true;
        },
      },
    });
    socket.on('error', (err) => reject(err));
    socket.once('close', () => reject(new Error('closed before the handshake answer')));
    socket.once('connect', () => socket.write(clientHello(mode)));
  });
}

const closed = (s: net.Socket) => new Promise<void>((r) => (s.closed ? r() : s.once('close', () => r())));

async function bulk(port: number, bytes: number): Promise<LoadAnswer> {
  let got = 0;
  const t0 = process.hrtime.bigint();
  const socket = await open(port, { kind: 'bulk', bytes }, (n) => (got += n));
  await new Promise<void>((resolve) => {
    socket.once('end', resolve);
    socket.once('close', resolve);
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  socket.destroy();
  if (got !== bytes) throw new Error(`bulk: got ${got} of ${bytes} bytes`);
  return { op: 'bulk', bytes, ms, mbps: bytes / 1e6 / (ms / 1e3) };
}

async function rtt(port: number, count: number, warmup: number, size: number): Promise<LoadAnswer> {
  const payload = Buffer.alloc(size, 0x61);
  const samples = new Float64Array(count);
  let inFlight = 0;
  let i = -warmup;
  let sentAt = 0n;
  let finish!: () => void;
  let fail!: (e: Error) => void;
  const finished = new Promise<void>((res, rej) => ((finish = res), (fail = rej)));
  const socket = await open(port, { kind: 'echo' }, (n) => {
    inFlight -= n;
    if (inFlight > 0) return;
    if (i >= 0) samples[i] = Number(process.hrtime.bigint() - sentAt) / 1e3;
    i++;
    if (i === count) return finish();
    send();
  });
  const send = () => {
    inFlight = size;
    sentAt = process.hrtime.bigint();
    socket.write(payload);
  };
  socket.once('close', () => fail(new Error(`rtt: closed after ${i} round trips`)));
  send();
  await finished;
  socket.destroy();
  samples.sort();
  return { op: 'rtt', p50Us: samples[Math.floor(count * 0.5)]!, p99Us: samples[Math.floor(count * 0.99)]! };
}

/** Connections per second: `concurrency` loops of connect, handshake round trip, close. */
async function conn(port: number, concurrency: number, durationMs: number): Promise<LoadAnswer> {
  let done = 0;
  let errors = 0;
  const t0 = Date.now();
  const deadline = t0 + durationMs;
  const loop = async () => {
    while (Date.now() < deadline) {
      try {
        const s = await open(port, { kind: 'echo' }, () => {});
        s.end();
        await closed(s);
        done++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsedMs = Date.now() - t0;
  return { op: 'conn', done, errors, perSec: (done / elapsedMs) * 1000 };
}

const PLAIN = Buffer.alloc(64, 0x70); // 'p': not SASL START, not an HTTP method: the bench node echoes

/** One plain connection: connect, write 64 bytes, read them back, close (no handshake). */
function plainOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const onBytes = (n: number): boolean => {
      got += n;
      if (got >= PLAIN.length) s.end();
      return true;
    };
    const s = net.connect({ host: '127.0.0.1', port, noDelay: true, onread: { buffer: READ_BUF, callback: onBytes } });
    s.on('error', reject);
    s.once('connect', () => s.write(PLAIN));
    s.once('close', () => (got >= PLAIN.length ? resolve() : reject(new Error(`plain: ${got} of ${PLAIN.length} bytes back`))));
  });
}

/** Connections per second of the plain flow: what a TCP proxy costs without a handshake to read. */
async function plain(port: number, concurrency: number, durationMs: number): Promise<LoadAnswer> {
  let done = 0;
  let errors = 0;
  const t0 = Date.now();
  const deadline = t0 + durationMs;
  const loop = async () => {
    while (Date.now() < deadline)
      await plainOnce(port).then(
        () => done++,
        () => errors++,
      );
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { op: 'conn', done, errors, perSec: (done / (Date.now() - t0)) * 1000 };
}

/**
 * A new connection's latency, one at a time: from connect() to the last byte of the node's
 * OpenSession answer (binary: SASL PLAIN + OpenSession; HTTP: one POST of OpenSession).
 */
async function newConn(port: number, transport: 'binary' | 'http', count: number, warmup: number): Promise<LoadAnswer> {
  const hello = transport === 'binary' ? clientHello({ kind: 'idle' }) : httpOpenSession(port);
  const answerBytes = transport === 'binary' ? ANSWER_BYTES : HTTP_OPEN_SESSION_ANSWER.length;
  const samples: number[] = [];
  let errors = 0;
  for (let i = -warmup; i < count; i++) {
    const us = await new Promise<number>((resolve, reject) => {
      let got = 0;
      const t0 = process.hrtime.bigint();
      const s = net.connect({
        host: '127.0.0.1',
        port,
        noDelay: true,
        onread: {
          buffer: READ_BUF,
          callback: (n: number) => {
            got += n;
            if (got >= answerBytes) {
              resolve(Number(process.hrtime.bigint() - t0) / 1e3);
              s.end();
            }
            return true;
          },
        },
      });
      s.on('error', reject);
      s.once('connect', () => s.write(hello));
      s.once('close', () => (got < answerBytes ? reject(new Error('closed before the answer')) : undefined));
    }).catch(() => (errors++, -1));
    if (i >= 0 && us >= 0) samples.push(us);
    // Let the proxy finish this connection's teardown before the next one is timed.
    await new Promise((r) => setImmediate(r));
  }
  samples.sort((a, b) => a - b);
  return { op: 'newconn', p50Us: samples[Math.floor(samples.length * 0.5)] ?? NaN, p99Us: samples[Math.floor(samples.length * 0.99)] ?? NaN, errors };
}

let idle: net.Socket[] = [];

async function idleOpen(port: number, count: number, concurrency: number): Promise<LoadAnswer> {
  let next = 0;
  let errors = 0;
  const loop = async () => {
    while (next < count) {
      next++;
      try {
        idle.push(await open(port, { kind: 'idle' }, () => {}));
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { op: 'idle-open', open: idle.length, errors };
}

async function idleClose(): Promise<LoadAnswer> {
  const all = idle;
  idle = [];
  for (const s of all) s.end();
  await Promise.all(all.map(closed));
  return { op: 'idle-close' };
}

/** `SELECT * FROM range(rows)` through hive-driver, from connect to the last row and CloseSession. */
async function fetchRows(port: number, rows: number, timeoutMs: number): Promise<LoadAnswer> {
  // Loaded on first use: the other measurements do not carry hive-driver in this process.
  const { runQuery } = await import('../sim/hive-client.js');
  const t0 = performance.now();
  const result = await runQuery({ host: '127.0.0.1', port, timeoutMs }, `SELECT * FROM range(${rows})`);
  const ms = performance.now() - t0;
  if (result.rows.length !== rows) throw new Error(`fetch: got ${result.rows.length} of ${rows} rows`);
  return { op: 'fetch', rows, ms };
}

function runJob(job: LoadJob): Promise<LoadAnswer> {
  switch (job.op) {
    case 'bulk':
      return bulk(job.port, job.bytes);
    case 'rtt':
      return rtt(job.port, job.count, job.warmup, job.size);
    case 'conn':
      return conn(job.port, job.concurrency, job.durationMs);
    case 'plain':
      return plain(job.port, job.concurrency, job.durationMs);
    case 'newconn':
      return newConn(job.port, job.transport, job.count, job.warmup);
    case 'idle-open':
      return idleOpen(job.port, job.count, job.concurrency);
    case 'idle-close':
      return idleClose();
    case 'fetch':
      return fetchRows(job.port, job.rows, job.timeoutMs);
  }
}

process.on('message', (job: LoadJob) => {
  runJob(job).then(
    (answer) => process.send?.(answer),
    (err: Error) => process.send?.({ op: 'error', message: err.message } satisfies LoadAnswer),
  );
});
process.send?.({ port: 0 }); // ready
process.on('disconnect', () => {
  for (const s of idle) s.destroy();
  idle = [];
});
