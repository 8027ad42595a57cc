// Start a sim node as a child process (see node-process.ts) and stop it for sure.
import { spawn, type ChildProcess } from 'node:child_process';
import type { SimNodeStats } from './node.js';
import type { PassiveStyle } from './options.js';

export interface SpawnSimNodeOptions {
  name: string;
  host?: string;
  thriftPort?: number;
  restPort?: number;
  transport?: 'binary' | 'http';
  auth?: 'plain' | 'nosasl';
  passiveStyle?: PassiveStyle;
  role?: 'leader' | 'follower';
  leaderRestUrl?: string;
  leaderThriftUrl?: string;
  users?: Record<string, string>;
  /** Serve TLS with the cert.pem and key.pem in this folder (e.g. test/fixtures/tls). */
  tlsDir?: string;
  httpPath?: string;
  keepConnectionsOnDemote?: boolean;
  /** The recovered state store every node of the cluster shares (see livy-store.ts). */
  stateDir?: string;
  /** Method -> ms its replies wait from the start; change it later with setReplyDelay. */
  delayReplies?: Readonly<Record<string, number>>;
  /** The child's pino level (logs go to its stderr); default 'warn'. */
  logLevel?: string;
  /** Default 10 000 ms. */
  readyTimeoutMs?: number;
  /** The compiled node-process.js (dist/sim/node-process.js after the build). */
  script: string;
}

export interface SimNodeProcess {
  child: ChildProcess;
  name: string;
  host: string;
  thriftPort: number;
  restPort: number;
  restUrl: string;
  /** The last few KiB the child wrote to stderr, for failure messages. */
  stderrTail(): string;
  /** SIGCONT (in case it was stopped), SIGTERM, SIGKILL after 2 s; resolves when it has exited. */
  stop(): Promise<void>;
}

const STDERR_TAIL_BYTES = 8192;
const KILL_AFTER_MS = 2000;

function argsFor(opts: SpawnSimNodeOptions): string[] {
  const args = ['--name', opts.name, '--log-level', opts.logLevel ?? 'warn'];
  const add = (flag: string, value: string | number | undefined): void => {
    if (value !== undefined) args.push(flag, String(value));
  };
  add('--host', opts.host);
  add('--thrift-port', opts.thriftPort);
  add('--rest-port', opts.restPort);
  add('--transport', opts.transport);
  add('--auth', opts.auth);
  add('--passive-style', opts.passiveStyle);
  add('--role', opts.role);
  add('--leader-rest-url', opts.leaderRestUrl);
  add('--leader-thrift-url', opts.leaderThriftUrl);
  add('--http-path', opts.httpPath);
  add('--tls-dir', opts.tlsDir);
  add('--state-dir', opts.stateDir);
  for (const [user, password] of Object.entries(opts.users ?? {})) add('--user', `${user}:${password}`);
  if (opts.keepConnectionsOnDemote) args.push('--keep-connections-on-demote');
  for (const [method, ms] of Object.entries(opts.delayReplies ?? {})) args.push('--delay-reply', `${method}:${ms}`);
  return args;
}

export function spawnSimNodeProcess(opts: SpawnSimNodeOptions): Promise<SimNodeProcess> {
  const host = opts.host ?? '127.0.0.1';
  const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
  return new Promise<SimNodeProcess>((resolve, reject) => {
    const child = spawn(process.execPath, [opts.script, ...argsFor(opts)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.on('error', (err) => finish(new Error(`sim node process ${opts.name}: ${err.message}`, { cause: err })));
    let stderr = '';
    let stdout = '';
    let settled = false;
    let stopping: Promise<void> | undefined;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGCONT');
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
          await exited;
          clearTimeout(killer);
        }
      })();
      return stopping;
    };
    const finish = (err: Error | undefined, ready?: { thriftPort: number; restPort: number }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      if (err || !ready) {
        void stop().then(() => reject(err ?? new Error(`sim node process ${opts.name}: no ready line`)));
        return;
      }
      resolve({
        child,
        name: opts.name,
        host,
        thriftPort: ready.thriftPort,
        restPort: ready.restPort,
        restUrl: `http://${host.includes(':') ? `[${host}]` : host}:${ready.restPort}`,
        stderrTail: () => stderr,
        stop,
      });
    };
    const onEarlyExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      finish(new Error(`sim node process ${opts.name} exited (code ${code}, signal ${signal}) before ready: ${stderr.trim()}`));
    };
    child.once('exit', onEarlyExit);
    const timer = setTimeout(() => finish(new Error(`sim node process ${opts.name} not ready within ${readyTimeoutMs} ms: ${stderr.trim()}`)), readyTimeoutMs);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      if (settled) return; // still drained after the ready line, so the pipe never fills
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      try {
        const line = JSON.parse(stdout.slice(0, newline)) as { ready?: unknown; thriftPort?: unknown; restPort?: unknown };
        if (line.ready === true && typeof line.thriftPort === 'number' && typeof line.restPort === 'number') {
          finish(undefined, { thriftPort: line.thriftPort, restPort: line.restPort });
          return;
        }
      } catch {
        // reported just below
      }
      finish(new Error(`sim node process ${opts.name}: unexpected stdout ${JSON.stringify(stdout.slice(0, 200))}`));
    });
  });
}

/** Delay the replies of `method` by `ms` (0: no delay) on a running node, through its REST port. */
export async function setReplyDelay(restUrl: string, method: string, ms: number): Promise<void> {
  const res = await fetch(`${restUrl}/_sim/delay?method=${encodeURIComponent(method)}&ms=${ms}`, { method: 'POST' });
  if (res.status !== 204) throw new Error(`setReplyDelay ${method}=${ms}: HTTP ${res.status} ${await res.text()}`);
}

/** The node's Thrift port refuses connections for `ms` (a blip; open connections stay), through its REST port. */
export async function refuseThrift(restUrl: string, ms: number): Promise<void> {
  const res = await fetch(`${restUrl}/_sim/refuse-thrift?ms=${ms}`, { method: 'POST' });
  if (res.status !== 204) throw new Error(`refuseThrift ${ms}: HTTP ${res.status} ${await res.text()}`);
}

/** A running node's stats (SimNodeStats: counters, logins by user, peak calls at once), through its REST port. */
export async function readSimStats(restUrl: string): Promise<SimNodeStats> {
  const res = await fetch(`${restUrl}/_sim/stats`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`readSimStats: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as SimNodeStats;
}
