import http from 'node:http';
import type net from 'node:net';
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

export function findLine<T extends Record<string, unknown>>(lines: readonly T[], msg: string | RegExp): T | undefined {
  return lines.find((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg))));
}

/** Writes `bytes` and waits until they left the socket's buffer. */
export function writeAll(socket: net.Socket, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve())));
}
