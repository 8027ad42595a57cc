import http from 'node:http';
import net from 'node:net';
import { PLAIN_HELLO_ANSWER_BYTES, plainClientHello } from '../helpers/bulk-node.js';
import type { StatusReport } from '../../src/admin/status.js';

/** One GET on the admin endpoint, connection closed after (no keep-alive left behind). */
export function adminGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

export async function adminStatus(port: number): Promise<StatusReport> {
  const { status, body } = await adminGet(port, '/status');
  if (status !== 200) throw new Error(`/status answered ${status}: ${body}`);
  return JSON.parse(body) as StatusReport;
}

/**
 * The value of one sample in Prometheus text, e.g. metric(text, 'livy_router_failovers_total')
 * or metric(text, 'livy_router_dial_rejections_total', { node: 'a' }) (labels not given match
 * anything; matching samples are summed). 0 when no sample matches.
 */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

export async function metrics(port: number): Promise<string> {
  const { status, body } = await adminGet(port, '/metrics');
  if (status !== 200) throw new Error(`/metrics answered ${status}`);
  return body;
}

/** Polls `probe` until it returns something other than undefined; rejects after `timeoutMs`. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function findLine<T extends Record<string, unknown>>(lines: readonly T[], msg: string | RegExp): T | undefined {
  return lines.find((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg))));
}

/** A client through the router to a bulk node: the handshake done, the socket ready for bytes. */
export async function bulkClient(port: number): Promise<net.Socket> {
  const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(plainClientHello());
  let got = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (c: Buffer) => {
      got += c.length;
      if (got < PLAIN_HELLO_ANSWER_BYTES) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve();
    };
    const onClose = () => reject(new Error('closed during the handshake'));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
  return socket;
}

/** Writes `bytes` and waits until they left the socket's buffer. */
export function writeAll(socket: net.Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve())));
}

/** Resolves with the socket's error code, or 'connected' if a connection was made (then closed). */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
  });
}
