// The processes of the failover bench: sim Livy nodes (one OS process each, so kill -9 and SIGSTOP
// are real), livy-router as users run it, and HAProxy configured as a careful user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runQuery } from '../sim/hive-client.js';
import { freePort, waitListening } from './procs.js';

/** What the sim nodes' Thrift port speaks (and the clients with them): binary SASL or Thrift over HTTP. */
export type BenchTransport = 'binary' | 'http';

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3000;

export interface Child {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess, cleanup?: () => void): () => Promise<void> {
  const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      cleanup?.();
    })());
}

export interface BenchNode extends Child {
  readonly name: string;
  readonly host: string;
  readonly thriftPort: number;
  readonly restPort: number;
  readonly restUrl: string;
}

const NODE_SCRIPT = fileURLToPath(new URL('../sim/node-process.js', import.meta.url));

/**
 * One sim node process (inside `netns` when given). It keeps its Thrift connections when demoted:
 * a demoted node that does not cut its clients is the case a proxy must handle itself.
 */
export async function startNode(
  name: string,
  host: string,
  role: 'leader' | 'follower',
  leaderRestUrl: string | undefined,
  netns?: string,
  /** Livy's recovered state store, shared by the nodes: a new active can reattach a session by name. */
  stateDir?: string,
  /** HTTP: Thrift over HTTP on the Thrift port (a passive answers its POSTs 503, the sim's default). */
  transport: BenchTransport = 'binary',
): Promise<BenchNode> {
  const args = [NODE_SCRIPT, '--name', name, '--host', host, '--role', role, '--log-level', 'error', '--keep-connections-on-demote'];
  if (leaderRestUrl) args.push('--leader-rest-url', leaderRestUrl);
  if (stateDir) args.push('--state-dir', stateDir);
  if (transport === 'http') args.push('--transport', 'http');
  const argv = netns ? (['ip', ['netns', 'exec', netns, process.execPath, ...args]] as const) : ([process.execPath, args] as const);
  const child = spawn(argv[0], [...argv[1]], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = stopper(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = await new Promise<{ thriftPort: number; restPort: number }>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`sim node ${name} not ready within ${READY_TIMEOUT_MS} ms: ${stderr}`)), READY_TIMEOUT_MS);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as { thriftPort: number; restPort: number });
      });
      child.once('exit', (code) => reject(new Error(`sim node ${name} exited with ${code}: ${stderr}`)));
    });
    return { name, host, child, stop, ...ready, restUrl: `http://${host}:${ready.restPort}` };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Tells a node its role through its REST control endpoint (the sim's stand-in for the ZooKeeper latch). */
export async function setRole(node: BenchNode, role: 'leader' | 'follower', leader: BenchNode): Promise<void> {
  const url = `${node.restUrl}/_sim/role?role=${role}&leader=${encodeURIComponent(leader.restUrl)}`;
  const res = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(2000) });
  if (res.status !== 204) throw new Error(`setting ${node.name} ${role}: HTTP ${res.status}`);
}

export interface Proxy extends Child {
  readonly name: 'router' | 'router-resume' | 'router-close' | 'haproxy';
  readonly port: number;
}

async function startProxy(name: Proxy['name'], argv: string[], port: number, cleanup?: () => void): Promise<Proxy> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = stopper(child, cleanup);
  try {
    await waitListening(port, child, name, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name, child, port, stop };
}

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

/** livy-router with its default health settings (ha-status checks on each node's REST port). */
export async function startRouter(
  nodes: readonly BenchNode[],
  as: { name: Proxy['name']; onActiveLost?: 'close' | 'resume'; nodeTransport?: BenchTransport } = { name: 'router' },
): Promise<Proxy> {
  const port = await freePort();
  const argv = [process.execPath, CLI, 'run', '--listen', `127.0.0.1:${port}`, '--admin', '127.0.0.1:0', '--log-level', 'warn'];
  for (const n of nodes) argv.push('--node', `${n.name}=${n.host}:${n.thriftPort},rest=${n.restPort}`);
  if (as.onActiveLost) argv.push('--on-active-lost', as.onActiveLost);
  if (as.nodeTransport === 'http') argv.push('--node-transport', 'http');
  return startProxy(as.name, argv, port);
}

/** Until a query through the proxy is answered by node `name`, within `limitMs`. */
export async function waitServedBy(proxy: Proxy, name: string, limitMs: number, transport: BenchTransport = 'binary'): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      const r = await runQuery({ host: '127.0.0.1', port: proxy.port, timeoutMs: 3000, transport }, 'SELECT node');
      if (r.rows[0]?.node === name) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`${proxy.name} did not reach node ${name} within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export type HaproxyCheck = 'ha-status' | 'tcp';

/**
 * HAProxy as a careful user sets it up for one active among passive nodes: tcp mode, `balance
 * first`, health checks (an HTTP check of /ha-status on the REST port, or a plain TCP connect),
 * `on-marked-down shutdown-sessions`, `option redispatch`, `retries 3`. Check timings are
 * HAProxy's defaults (inter 2 s, fall 3, rise 2). Thrift over HTTP goes through the same tcp mode
 * unchanged (one client keep-alive connection, one server connection); the /ha-status check is
 * on the REST port either way, and a tcp check passes a passive in both transports (it accepts).
 */
export async function startHaproxy(binary: string, nodes: readonly BenchNode[], check: HaproxyCheck): Promise<Proxy> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'livy-bench-failover-haproxy-'));
  const cfg = path.join(dir, 'haproxy.cfg');
  const servers = nodes.map(
    (n) => `  server ${n.name} ${n.host}:${n.thriftPort} check${check === 'ha-status' ? ` port ${n.restPort}` : ''} on-marked-down shutdown-sessions`,
  );
  writeFileSync(
    cfg,
    [
      'global',
      '  maxconn 2000',
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 1h',
      '  timeout server 1h',
      '  timeout check 2s',
      '  option redispatch',
      '  retries 3',
      'frontend livy',
      `  bind 127.0.0.1:${port}`,
      '  default_backend livy',
      'backend livy',
      '  balance first',
      ...(check === 'ha-status' ? ['  option httpchk GET /ha-status', '  http-check expect status 200'] : []),
      ...servers,
      '',
    ].join('\n'),
  );
  return startProxy('haproxy', [binary, '-db', '-f', cfg], port, () => rmSync(dir, { recursive: true, force: true }));
}
