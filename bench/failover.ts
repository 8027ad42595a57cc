// `npm run bench:failover`: livy-router and HAProxy side by side in front of the same simulated
// Livy HA cluster (3 node processes), through four ways of losing the active node. For each:
//   closeMs        fault -> every client connection on the lost node closed by the proxy
//   failedConnects new connections (one every 200 ms from the fault on) that failed before the
//                  proxy served again
//   firstQueryMs   new active ready -> first successful query through the proxy
// The last line is `RESULT {...}` (medians over --runs), for machines.
// `--on-active-lost resume` runs the session bench instead (failover-resume.ts): livy-router with
// resume, livy-router with close and HAProxy side by side, open sessions through each failover;
// add `--transport http` for Thrift over HTTP (Basic auth) from the clients to the nodes.
import { parseArgs } from 'node:util';
import { openHiveSession, runQuery, type HiveSessionHandle } from '../sim/hive-client.js';
import { createNetNamespace, netnsUnavailable, type NetNamespace } from './failover-net.js';
import { setRole, startHaproxy, startNode, startRouter, waitServedBy, type BenchNode, type HaproxyCheck, type Proxy } from './failover-procs.js';
import { findOnPath } from './procs.js';
import { RESUME_SCENARIOS, runResumeBench, type ResumeScenario } from './failover-resume.js';

type Scenario = 'kill' | 'hang' | 'demote' | 'blackhole';
const SCENARIOS: readonly Scenario[] = ['kill', 'hang', 'demote', 'blackhole'];

interface Measure {
  closeMs: number | null;
  failedConnects: number;
  firstQueryMs: number | null;
}

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    scenario: { type: 'string', multiple: true },
    'latch-delay-ms': { type: 'string', default: '1000' },
    'haproxy-check': { type: 'string', default: 'ha-status' },
    'limit-ms': { type: 'string' },
    'on-active-lost': { type: 'string', default: 'close' },
    idle: { type: 'string', default: '20' },
    mid: { type: 'string', default: '5' },
    transport: { type: 'string', default: 'binary' },
  },
});
const MODE = opts['on-active-lost'];
const RUNS = Math.max(1, Math.min(9, Number(opts.runs)));
/** How long the cluster has no leader after a kill, hang or black hole (ZooKeeper noticing). */
const LATCH_DELAY_MS = Number(opts['latch-delay-ms']);
/** Whatever has not happened this long after the fault is reported as never (null). */
const LIMIT_MS = Number(opts['limit-ms'] ?? (MODE === 'resume' ? 15_000 : 12_000));
const HAPROXY_CHECK = opts['haproxy-check'] as HaproxyCheck;
const CLIENTS = 3;
const ATTEMPT_EVERY_MS = 200;
const ATTEMPT_TIMEOUT_MS = 8000;
const chosen = (opts.scenario?.length ? opts.scenario : SCENARIOS) as Scenario[];

const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Topology {
  nodes: BenchNode[];
  proxies: Proxy[];
  netns: NetNamespace | undefined;
  stop(): Promise<void>;
}

/** What must go even when the bench is interrupted: the namespace and veth pair above all. */
const live = new Set<{ stop(): Promise<void> }>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void Promise.all([...live].map((t) => t.stop())).finally(() => process.exit(130));
  });
}

async function startTopology(haproxyBinary: string, useNetns: boolean, index: number): Promise<Topology> {
  const netns = useNetns ? createNetNamespace(index) : undefined;
  const started: Array<{ stop(): Promise<void> }> = [];
  const stop = async () => {
    await Promise.all(started.map((s) => s.stop()));
    netns?.remove();
  };
  try {
    const a = await startNode('a', netns?.nodeHost ?? '127.0.0.1', 'leader', undefined, netns?.name);
    started.push(a);
    const b = await startNode('b', '127.0.0.1', 'follower', a.restUrl);
    started.push(b);
    const c = await startNode('c', '127.0.0.1', 'follower', a.restUrl);
    started.push(c);
    const nodes = [a, b, c];
    const router = await startRouter(nodes);
    started.push(router);
    const haproxy = await startHaproxy(haproxyBinary, nodes, HAPROXY_CHECK);
    started.push(haproxy);
    const t: Topology = {
      nodes,
      proxies: [router, haproxy],
      netns,
      stop: async () => {
        live.delete(t);
        await stop();
      },
    };
    live.add(t);
    return t;
  } catch (err) {
    await stop();
    throw err;
  }
}

async function fault(s: Scenario, t: Topology): Promise<void> {
  const [a] = t.nodes;
  switch (s) {
    case 'kill':
      a!.child.kill('SIGKILL');
      return;
    case 'hang':
      a!.child.kill('SIGSTOP');
      return;
    case 'blackhole':
      t.netns!.blackhole();
      return;
    case 'demote':
      return;
  }
}

/** The leader latch moves to b (for demote: at once, while a is alive). Resolves when b leads. */
async function moveLeader(t: Topology, reachableA: boolean): Promise<void> {
  const [a, b, c] = t.nodes as [BenchNode, BenchNode, BenchNode];
  if (reachableA) await setRole(a, 'follower', b);
  await setRole(c, 'follower', b);
  await setRole(b, 'leader', b);
}

interface Probe {
  /** Fault -> all held clients closed (null: not within the limit). */
  closed: Promise<number | null>;
  attempts: Array<Promise<{ ok: boolean; at: number; startedAt: number }>>;
}

async function openClients(proxy: Proxy): Promise<HiveSessionHandle[]> {
  const handles: HiveSessionHandle[] = [];
  for (let i = 0; i < CLIENTS; i++) handles.push(await openHiveSession({ host: '127.0.0.1', port: proxy.port, timeoutMs: 5000 }));
  return handles;
}

function attempt(proxy: Proxy): Promise<{ ok: boolean; at: number; startedAt: number }> {
  const startedAt = performance.now();
  return runQuery({ host: '127.0.0.1', port: proxy.port, timeoutMs: ATTEMPT_TIMEOUT_MS }, 'SELECT node').then(
    () => ({ ok: true, at: performance.now(), startedAt }),
    () => ({ ok: false, at: performance.now(), startedAt }),
  );
}

async function runScenario(s: Scenario, haproxyBinary: string, useNetns: boolean, index: number): Promise<Record<Proxy['name'], Measure>> {
  const t = await startTopology(haproxyBinary, s === 'blackhole' && useNetns, index);
  const handles: HiveSessionHandle[] = [];
  try {
    for (const p of t.proxies) await waitServedBy(p, 'a', 15_000);
    const clients = new Map<Proxy, HiveSessionHandle[]>();
    for (const p of t.proxies) {
      const hs = await openClients(p);
      handles.push(...hs);
      clients.set(p, hs);
    }
    await sleep(300);
    const faultAt = performance.now();
    if (s === 'blackhole' && !useNetns)
      t.nodes[0]!.child.kill('SIGSTOP'); // the fallback: a freeze
    else await fault(s, t);
    const probes = new Map<Proxy, Probe>();
    for (const p of t.proxies) {
      const closed = Promise.race([
        Promise.all(clients.get(p)!.map((h) => h.closed)).then(() => performance.now() - faultAt),
        sleep(LIMIT_MS).then(() => null),
      ]);
      probes.set(p, { closed, attempts: [] });
    }
    let readyAt: number | undefined;
    const leaderMoved = (async () => {
      if (s !== 'demote') await sleep(LATCH_DELAY_MS);
      await moveLeader(t, s === 'demote');
      readyAt = performance.now();
    })();
    // New connections, one every ATTEMPT_EVERY_MS per proxy, until one started after the new
    // active was ready has succeeded (or the limit).
    const served = new Set<Proxy>();
    while (performance.now() - faultAt < LIMIT_MS && served.size < t.proxies.length) {
      for (const p of t.proxies) {
        if (served.has(p)) continue;
        const a = attempt(p);
        probes.get(p)!.attempts.push(a);
        void a.then((r) => {
          if (r.ok && readyAt !== undefined && r.startedAt >= readyAt) served.add(p);
        });
      }
      await sleep(ATTEMPT_EVERY_MS);
    }
    await leaderMoved;
    const result = {} as Record<Proxy['name'], Measure>;
    for (const p of t.proxies) {
      const probe = probes.get(p)!;
      const attempts = await Promise.all(probe.attempts);
      const closeMs = await probe.closed;
      const successesAfterReady = attempts.filter((r) => r.ok && r.at >= readyAt!).map((r) => r.at - readyAt!);
      result[p.name] = {
        closeMs: closeMs === null ? null : Math.round(closeMs),
        failedConnects: attempts.filter((r) => !r.ok).length,
        firstQueryMs: successesAfterReady.length ? Math.round(Math.min(...successesAfterReady)) : null,
      };
    }
    return result;
  } finally {
    await Promise.all(handles.map((h) => h.close().catch(() => {})));
    await t.stop();
  }
}

function median(values: Array<number | null>): number | null {
  // "never" (null) sorts last: a median of mostly-never runs is never.
  const sorted = [...values].sort((x, y) => (x ?? Infinity) - (y ?? Infinity));
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? null;
}

const fmt = (v: number | null, unit = ' ms') => (v === null ? `never (>${LIMIT_MS / 1000} s)` : `${v}${unit}`);

async function main(): Promise<number> {
  const transport = opts.transport;
  if (transport !== 'binary' && transport !== 'http') {
    process.stderr.write(`--transport must be binary or http, got ${transport}\n`);
    return 2;
  }
  if (transport === 'http' && MODE !== 'resume') {
    process.stderr.write('--transport http runs with --on-active-lost resume only (the session bench)\n');
    return 2;
  }
  if (MODE === 'resume') {
    return runResumeBench({
      runs: RUNS,
      scenarios: (opts.scenario?.length ? opts.scenario : RESUME_SCENARIOS) as ResumeScenario[],
      latchDelayMs: LATCH_DELAY_MS,
      limitMs: LIMIT_MS,
      haproxyCheck: HAPROXY_CHECK,
      idle: Number(opts.idle),
      mid: Number(opts.mid),
      transport,
      live,
    });
  }
  if (MODE !== 'close') {
    process.stderr.write(`--on-active-lost must be close or resume, got ${MODE}\n`);
    return 2;
  }
  const haproxyBinary = findOnPath('haproxy');
  if (!haproxyBinary) {
    process.stderr.write('haproxy is not installed (Debian: apt-get install -y haproxy)\n');
    return 1;
  }
  const noNetns = chosen.includes('blackhole') ? netnsUnavailable() : undefined;
  out(
    `failover bench: ${RUNS} run(s) per scenario, medians; 3 sim Livy node processes, ${CLIENTS} clients per proxy; leader latch moves ${LATCH_DELAY_MS} ms after the loss`,
  );
  out(
    `livy-router: default health settings (ha-status checks). HAProxy ${HAPROXY_CHECK === 'ha-status' ? 'httpchk GET /ha-status on the REST port' : 'tcp connect check'}, inter 2s fall 3 rise 2, balance first, on-marked-down shutdown-sessions, option redispatch, retries 3`,
  );
  if (noNetns) out(`blackhole: network namespaces unavailable (${noNetns}); falling back to freezing the node process (SIGSTOP)`);
  else if (chosen.includes('blackhole')) out('blackhole: node a in its own network namespace; its veth end set down (packets dropped, no RST)');
  const scenarios: Array<{ name: Scenario; router: Measure; haproxy: Measure }> = [];
  let index = 0;
  for (const s of chosen) {
    const runs: Array<Record<Proxy['name'], Measure>> = [];
    for (let i = 0; i < RUNS; i++) runs.push(await runScenario(s, haproxyBinary, !noNetns, index++));
    const med = (p: Proxy['name']): Measure => ({
      closeMs: median(runs.map((r) => r[p].closeMs)),
      failedConnects: median(runs.map((r) => r[p].failedConnects)) ?? 0,
      firstQueryMs: median(runs.map((r) => r[p].firstQueryMs)),
    });
    const row = { name: s, router: med('router'), haproxy: med('haproxy') };
    scenarios.push(row);
    out(
      `${s.padEnd(9)} runs: ${runs.map((r) => `router ${fmt(r.router.closeMs, '')}/${r.router.failedConnects}/${fmt(r.router.firstQueryMs, '')} haproxy ${fmt(r.haproxy.closeMs, '')}/${r.haproxy.failedConnects}/${fmt(r.haproxy.firstQueryMs, '')}`).join('; ')}`,
    );
  }
  out('');
  out('| scenario | proxy | clients of lost node closed | failed new connections | first query after new active ready |');
  out('| --- | --- | --- | --- | --- |');
  for (const r of scenarios) {
    for (const p of ['router', 'haproxy'] as const) {
      out(`| ${r.name} | ${p === 'router' ? 'livy-router' : 'HAProxy'} | ${fmt(r[p].closeMs)} | ${r[p].failedConnects} | ${fmt(r[p].firstQueryMs)} |`);
    }
  }
  out(`RESULT ${JSON.stringify({ scenarios })}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench:failover failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
