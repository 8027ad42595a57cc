// The processes of the bench: children that speak IPC (bench node, load, sim node), the router as
// users run it, and HAProxy. Each child starts with the hard open-files limit as its soft limit
// (5,000 idle connections are 10,000 sockets in a proxy), and every stop() is bounded in time.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const STOP_GRACE_MS = 5000;
const READY_TIMEOUT_MS = 10_000;

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  readonly port: number;
  /** The bench node's REST port (GET /ha-status), when the child has one. */
  readonly restPort?: number;
  rssKiB(): number;
  stop(): Promise<void>;
}

/** `argv` run by sh after raising its soft open-files limit to the hard limit; exec keeps the pid. */
function spawnRaised(argv: string[], withIpc: boolean): ChildProcess {
  const script = 'ulimit -n "$(ulimit -Hn)"; exec "$@"';
  return spawn('/bin/sh', ['-c', script, 'sh', ...argv], {
    stdio: withIpc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'ignore', 'pipe'],
  });
}

function rssOf(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

function stopper(child: ChildProcess, cleanup?: () => void): () => Promise<void> {
  const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      if (child.connected) child.disconnect();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      cleanup?.();
    })());
}

const benchFile = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** A bench child (compiled file next to this one) that sends `{ port }` when it is ready. */
export async function startChild(name: string, file: string, extraNodeArgs: string[] = [], args: string[] = []): Promise<Proc> {
  const child = spawnRaised([process.execPath, ...extraNodeArgs, benchFile(file), ...args], true);
  const stop = stopper(child);
  let timer: NodeJS.Timeout | undefined;
  try {
    const { port, restPort } = await new Promise<{ port: number; restPort?: number }>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${name} did not start within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      child.once('message', (m: { port: number; restPort?: number }) => resolve(m));
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    });
    return { name, child, port, ...(restPort === undefined ? {} : { restPort }), rssKiB: () => rssOf(child.pid), stop };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `port` accepts a TCP connection (the probe connection is closed at once). */
export async function waitListening(port: number, child: ChildProcess, name: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.on('error', () => resolve(false));
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port} within ${READY_TIMEOUT_MS} ms: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A port that was free a moment ago (the router logs its port only at info level, which we keep off). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function startListening(name: string, argv: string[], port: number, cleanup?: () => void): Promise<Proc> {
  const child = spawnRaised(argv, false);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const stop = stopper(child, cleanup);
  try {
    await waitListening(port, child, name, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name, child, port, rssKiB: () => rssOf(child.pid), stop };
}

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/**
 * `livy-router run` as users run it, one node, no health checks, warnings only. `cli`: another
 * build's main.js, to compare two versions in one run (bench/ab.ts). `restPort`: the router at
 * production defaults instead, ha-status checks on that port and info logging (issue 22).
 */
export async function startRouter(nodePort: number, extraArgs: string[] = [], nodeArgs: string[] = [], cli = CLI, restPort?: number): Promise<Proc> {
  const port = await freePort();
  const node = restPort === undefined ? `bench=127.0.0.1:${nodePort}` : `bench=127.0.0.1:${nodePort},rest=${restPort}`;
  const argv = [process.execPath, ...nodeArgs, cli, 'run', '--listen', `127.0.0.1:${port}`, '--node', node, '--admin', '127.0.0.1:0'];
  if (restPort === undefined) argv.push('--check', 'none', '--log-level', 'warn');
  else argv.push('--check', 'ha-status', '--log-level', 'info');
  argv.push(...extraArgs);
  // Every bench client comes from 127.0.0.1: a build with a per-source limit (256) runs with it off.
  if (!knowsSourceLimit(cli)) return startListening('router', argv, port);
  const dir = mkdtempSync(path.join(tmpdir(), 'livy-bench-router-'));
  const config = path.join(dir, 'config.yaml');
  writeFileSync(config, 'maxClientConnectionsPerSource: 0\n');
  argv.push('--config', config);
  return startListening('router', argv, port, () => rmSync(dir, { recursive: true, force: true }));
}

/** Whether the build of `cli` (dist/src/cli/main.js) has maxClientConnectionsPerSource (older builds reject unknown keys). */
function knowsSourceLimit(cli: string): boolean {
  try {
    return readFileSync(path.join(path.dirname(cli), '../config/schema.js'), 'utf8').includes('maxClientConnectionsPerSource');
  } catch {
    return false;
  }
}

export function findOnPath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, program);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * HAProxy in TCP mode with its defaults (threads = CPUs, 16 KiB buffers, no splicing), one
 * server, no checks, no logs: what a user would put in front of a Thrift port.
 */
export async function startHaproxy(binary: string, nodePort: number): Promise<Proc> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'livy-bench-haproxy-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      '  maxconn 8000', // 5,000 idle connections fit; HAProxy wants 2 fds per connection under the 20,000 limit
      'defaults',
      '  mode tcp',
      '  timeout connect 5s',
      '  timeout client 1h',
      '  timeout server 1h',
      'frontend bench',
      `  bind 127.0.0.1:${port}`,
      '  default_backend livy',
      'backend livy',
      `  server bench 127.0.0.1:${nodePort}`,
      '',
    ].join('\n'),
  );
  return startListening('haproxy', [binary, '-db', '-f', cfg], port, () => rmSync(dir, { recursive: true, force: true }));
}
