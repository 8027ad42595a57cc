// Start the Cloudera Manager stand-in as a child process (cloudera-manager-process.ts), drive its
// switches over the control port, and stop it for sure.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { createInterface } from 'node:readline';
import type { SimCmFault, SimCmRole, SimCmState } from './cloudera-manager.js';

export interface SpawnSimCmOptions {
  /** The compiled cloudera-manager-process.js. */
  script: string;
  state: SimCmState;
  users: Record<string, string>;
  /** Fixed ports: to come back on the same address after stop() (CM restarted). */
  port?: number;
  controlPort?: number;
  /** Serve https with cert.pem and key.pem from this folder (test/fixtures/tls). */
  tlsDir?: string;
}

export interface SimCmProcess {
  readonly url: string;
  readonly port: number;
  readonly controlPort: number;
  setRoles(roles: SimCmRole[]): Promise<void>;
  setFault(fault: SimCmFault, slowMs?: number): Promise<void>;
  stats(): Promise<{ requests: number; basicLogins: number; cookieHits: number; refused: number }>;
  /** SIGTERM, SIGKILL after 2 s; resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

function control(port: number, method: string, path: string, body?: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`sim CM control ${path}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

export function spawnSimCm(opts: SpawnSimCmOptions): Promise<SimCmProcess> {
  const args = [opts.script, '--state', JSON.stringify(opts.state)];
  for (const [u, p] of Object.entries(opts.users)) args.push('--user', `${u}:${p}`);
  if (opts.port !== undefined) args.push('--port', String(opts.port));
  if (opts.controlPort !== undefined) args.push('--control-port', String(opts.controlPort));
  if (opts.tlsDir !== undefined) args.push('--tls-dir', opts.tlsDir);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(killer);
      }
    })());
  const rl = createInterface({ input: child.stdout! });
  return new Promise<SimCmProcess>((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`sim CM not ready in 10 s: ${stderr}`))), 10_000);
    void exited.then(() => {
      clearTimeout(timer);
      rl.close();
      reject(new Error(`sim CM exited before ready: ${stderr}`));
    });
    rl.once('line', (line) => {
      clearTimeout(timer);
      const ready = JSON.parse(line) as { port: number; controlPort: number };
      const c = ready.controlPort;
      resolve({
        url: `${opts.tlsDir ? 'https' : 'http'}://127.0.0.1:${ready.port}`,
        port: ready.port,
        controlPort: c,
        setRoles: async (roles) => void (await control(c, 'PUT', '/roles', { roles })),
        setFault: async (fault, slowMs) => void (await control(c, 'PUT', '/fault', { fault, slowMs })),
        stats: async () => (JSON.parse(await control(c, 'GET', '/state')) as { stats: Awaited<ReturnType<SimCmProcess['stats']>> }).stats,
        stop,
      });
    });
  });
}
