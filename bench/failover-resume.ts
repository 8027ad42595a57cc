// `npm run bench:failover -- --on-active-lost resume`: open sessions through a failover (issue 19).
// livy-router with onActiveLost resume, livy-router with close, and HAProxy (when on PATH) side by
// side in front of one simulated 3-node cluster whose nodes share a Livy state store (a new active
// can reattach a session by its name). Per proxy, `idle` sessions (USE, SET, CREATE TEMPORARY
// VIEW, then idle) and `mid` sessions (a SELECT in flight: the old active holds its
// GetOperationStatus reply MID_HOLD_MS) go through kill -9, SIGSTOP or demotion of the active.
// What each client does is in failover-clients.ts. Traffic stays on the loopback. `--transport
// http`: the nodes serve Thrift over HTTP, the routers get --node-transport http, the clients use
// hive-driver's HTTP connection with Basic auth; HAProxy stays in tcp mode.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setReplyDelay } from '../sim/spawn.js';
import { BenchSession, type SessionOutcome } from './failover-clients.js';
import {
  setRole,
  startHaproxy,
  startNode,
  startRouter,
  waitServedBy,
  type BenchNode,
  type BenchTransport,
  type HaproxyCheck,
  type Proxy,
} from './failover-procs.js';
import { findOnPath } from './procs.js';
import { summarize, targetsOf, type ProxyRun } from './failover-resume-report.js';

export type ResumeScenario = 'kill' | 'hang' | 'demote';
export const RESUME_SCENARIOS: readonly ResumeScenario[] = ['kill', 'hang', 'demote'];

export interface ResumeBenchOptions {
  runs: number;
  scenarios: ResumeScenario[];
  latchDelayMs: number;
  /** After the promotion: a session not answered by the new active by then counts as never. */
  limitMs: number;
  haproxyCheck: HaproxyCheck;
  idle: number;
  mid: number;
  transport: BenchTransport;
  /** What the bench's signal handler stops when interrupted. */
  live: Set<{ stop(): Promise<void> }>;
}

/** How long the old active holds the mid sessions' GetOperationStatus replies: past every detection. */
const MID_HOLD_MS = 5000;
/** Between starting the mid queries and the fault: their GetOperationStatus calls are in flight. */
const MID_SETTLE_MS = 500;
const USER = { user: 'bench', password: 'bench-pw' };

const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Topology {
  nodes: [BenchNode, BenchNode, BenchNode];
  proxies: Proxy[];
  stop(): Promise<void>;
}

async function startTopology(o: ResumeBenchOptions, haproxy: string | undefined): Promise<Topology> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'livy-bench-resume-'));
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()));
    rmSync(stateDir, { recursive: true, force: true });
  };
  const t = { stop } as Topology;
  o.live.add(t);
  try {
    const a = await startNode('a', '127.0.0.1', 'leader', undefined, undefined, stateDir, o.transport);
    started.push(a);
    const b = await startNode('b', '127.0.0.1', 'follower', a.restUrl, undefined, stateDir, o.transport);
    started.push(b);
    const c = await startNode('c', '127.0.0.1', 'follower', a.restUrl, undefined, stateDir, o.transport);
    started.push(c);
    t.nodes = [a, b, c];
    t.proxies = [];
    for (const mode of ['resume', 'close'] as const) {
      const router = await startRouter(t.nodes, { name: `router-${mode}`, onActiveLost: mode, nodeTransport: o.transport });
      started.push(router);
      t.proxies.push(router);
    }
    if (haproxy) {
      const h = await startHaproxy(haproxy, t.nodes, o.haproxyCheck);
      started.push(h);
      t.proxies.push(h);
    }
    t.stop = async () => {
      o.live.delete(t);
      await stop();
    };
    return t;
  } catch (err) {
    o.live.delete(t);
    await stop();
    throw err;
  }
}

async function runOnce(s: ResumeScenario, o: ResumeBenchOptions, haproxy: string | undefined): Promise<Map<Proxy['name'], ProxyRun>> {
  const t = await startTopology(o, haproxy);
  const [a, b, c] = t.nodes;
  const sessions = new Map<Proxy, BenchSession[]>();
  try {
    for (const p of t.proxies) await waitServedBy(p, 'a', 15_000, o.transport);
    for (const p of t.proxies) {
      const target = { host: '127.0.0.1', port: p.port, transport: o.transport, ...USER };
      const list = [
        ...Array.from({ length: o.idle }, () => new BenchSession('idle', target)),
        ...Array.from({ length: o.mid }, () => new BenchSession('mid', target)),
      ];
      sessions.set(p, list);
      // allSettled: no open still under way when a failure sends the run to its cleanup.
      const opened = await Promise.allSettled(list.map((x) => x.open()));
      const failed = opened.find((r) => r.status === 'rejected');
      if (failed) throw new Error(`opening sessions through ${p.name}: ${String(failed.reason)}`);
    }
    await setReplyDelay(a.restUrl, 'GetOperationStatus', MID_HOLD_MS);
    for (const list of sessions.values()) for (const x of list) if (x.kind === 'mid') x.startMidQuery(MID_HOLD_MS + o.latchDelayMs + o.limitMs);
    await sleep(MID_SETTLE_MS);
    // The fault, then the leader latch moves to b (at once for a demotion, else after latchDelayMs).
    if (s === 'kill') a.child.kill('SIGKILL');
    if (s === 'hang') a.child.kill('SIGSTOP');
    if (s === 'demote') {
      await setRole(a, 'follower', b);
      await setReplyDelay(a.restUrl, 'GetOperationStatus', 0); // what was in flight stays held
    } else await sleep(o.latchDelayMs);
    await setRole(c, 'follower', b);
    await setRole(b, 'leader', b);
    const promotedAt = performance.now();
    const deadline = Date.now() + o.limitMs;
    const result = new Map<Proxy['name'], ProxyRun>();
    await Promise.all(
      t.proxies.map(async (p) => {
        const outcomes: SessionOutcome[] = await Promise.all(sessions.get(p)!.map((x) => x.recover(promotedAt, 'b', deadline)));
        result.set(p.name, summarize(outcomes));
      }),
    );
    return new Map(t.proxies.map((p) => [p.name, result.get(p.name)!])); // in the proxies' order
  } finally {
    await Promise.all([...sessions.values()].flat().map((x) => x.close().catch(() => {})));
    await t.stop();
  }
}

export async function runResumeBench(o: ResumeBenchOptions): Promise<number> {
  const haproxy = findOnPath('haproxy');
  const bad = o.scenarios.filter((s) => !RESUME_SCENARIOS.includes(s));
  if (bad.length) {
    process.stderr.write(`--on-active-lost resume runs the scenarios ${RESUME_SCENARIOS.join(', ')}; not ${bad.join(', ')}\n`);
    return 2;
  }
  out(
    `failover bench, sessions (--on-active-lost resume): ${o.runs} run(s) per scenario, medians; 3 sim Livy node processes sharing a state store; per proxy ${o.idle} idle + ${o.mid} mid-query sessions (hive-driver, ${o.transport === 'http' ? 'Thrift over HTTP, Basic auth' : 'binary SASL PLAIN'}); leader latch moves ${o.latchDelayMs} ms after a kill or hang; limit ${o.limitMs} ms after the promotion`,
  );
  out(
    haproxy
      ? `proxies: livy-router --on-active-lost resume, livy-router --on-active-lost close, HAProxy (${o.haproxyCheck === 'ha-status' ? 'httpchk /ha-status' : 'tcp check'}, inter 2s fall 3 rise 2, on-marked-down shutdown-sessions)`
      : 'proxies: livy-router --on-active-lost resume, livy-router --on-active-lost close; HAProxy is not on PATH: left out (Debian: apt-get install -y haproxy)',
  );
  const rows: Array<{ scenario: ResumeScenario; runs: Array<Map<Proxy['name'], ProxyRun>> }> = [];
  for (const s of o.scenarios) {
    const runs: Array<Map<Proxy['name'], ProxyRun>> = [];
    for (let i = 0; i < o.runs; i++) {
      const r = await runOnce(s, o, haproxy);
      runs.push(r);
      out(`${s} run ${i + 1}: ${[...r].map(([name, x]) => `${name} ${JSON.stringify(x)}`).join(' | ')}`);
    }
    rows.push({ scenario: s, runs });
  }
  return targetsOf(rows, o, out);
}
