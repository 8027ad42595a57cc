// Two router builds side by side, in one run: connections/s (with the router's user and system
// CPU per connection), idle memory per connection and, with --bulk, node->client MB/s,
// alternating every round, medians reported.
// Build the baseline elsewhere first (a copy of dist/ with package.json and node_modules beside it).
// Usage: node dist/bench/ab.js --base /tmp/lr-base/dist/src/cli/main.js [--variant OTHER_MAIN_JS ...]
//   [--rounds 7] [--idle-rounds 3] [--rtt] [--bulk] [--bare]   (--bare adds a plain pipe() proxy for reference)
//   [--observe]          adds 'obs': the new build with --observe-sessions (session.observe)
//   [--fetch-rounds N]   the 1,000,000-row fetch through hive-driver against a simulated node, per column
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { LoadAnswer, LoadJob } from './load.js';
import { startChild, startRouter, type Proc } from './procs.js';

const CONN = { concurrency: 16, durationMs: 2000, warmupMs: 300 };
const RTT = { count: 5000, warmup: 500, size: 64 };
const IDLE = { count: 5000, concurrency: 32, warmup: 200, settleMs: 1500 };
const BULK_BYTES = 512 * 1024 * 1024;

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    /** More builds to compare, as columns v1, v2, ... */
    variant: { type: 'string', multiple: true, default: [] },
    rounds: { type: 'string', default: '7' },
    'idle-rounds': { type: 'string', default: '3' },
    rtt: { type: 'boolean', default: false },
    bulk: { type: 'boolean', default: false },
    bare: { type: 'boolean', default: false },
    observe: { type: 'boolean', default: false },
    'fetch-rounds': { type: 'string', default: '0' },
  },
});
const FETCH = { rows: 1_000_000, warmupRows: 10_000, timeoutMs: 180_000 };
if (!args.base) throw new Error('--base PATH_TO_BASELINE_MAIN_JS is required');
const BASE = args.base;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const rotate = <T>(xs: readonly T[], r: number): T[] => xs.map((_, i) => xs[(i + r) % xs.length]!);

/** utime and stime of a process, in microseconds (clock ticks are 10 ms here). */
function cpuUs(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) * 10_000, system: Number(fields[12]) * 10_000 };
}

function runner(load: Proc): (job: LoadJob) => Promise<LoadAnswer> {
  return (job) =>
    new Promise((resolve, reject) => {
      load.child.once('message', (answer: LoadAnswer) =>
        answer.op === 'error' ? reject(new Error(`load job ${job.op}: ${answer.message}`)) : resolve(answer),
      );
      load.child.send(job);
    });
}

type Col = string;
interface Series {
  connPerSec: number[];
  userUsPerConn: number[];
  sysUsPerConn: number[];
  rttP50Us: number[];
  bulkMBps: number[];
  idleKiBPerConn: number[];
  fetchMs: number[];
}

async function main(): Promise<void> {
  const procs: Proc[] = [];
  const started = async (p: Promise<Proc>) => {
    const proc = await p;
    procs.push(proc);
    return proc;
  };
  const variants = args.variant;
  const cols: Col[] = ['base', ...variants.map((_, i) => `v${i + 1}`), 'new', ...(args.observe ? ['obs'] : []), ...(args.bare ? ['bare'] : [])];
  const series = Object.fromEntries(
    cols.map((c) => [c, { connPerSec: [], userUsPerConn: [], sysUsPerConn: [], rttP50Us: [], bulkMBps: [], idleKiBPerConn: [], fetchMs: [] }]),
  ) as unknown as Record<Col, Series>;
  try {
    const node = await started(startChild('bench node', 'node.js'));
    const run = runner(await started(startChild('load', 'load.js')));
    const startFor = (c: Col, port: number) =>
      c === 'base'
        ? startRouter(port, [], [], BASE)
        : c === 'new'
          ? startRouter(port)
          : c === 'obs'
            ? startRouter(port, ['--observe-sessions'])
            : c === 'bare'
              ? startChild('bare proxy', 'bare-proxy.js', [], [String(port)])
              : startRouter(port, [], [], variants[Number(c.slice(1)) - 1]);
    const start = (c: Col) => startFor(c, node.port);
    const servers = new Map<Col, Proc>();
    for (const c of cols) servers.set(c, await started(start(c)));

    for (let round = 0; round < Number(args.rounds); round++) {
      const line: string[] = [];
      for (const c of rotate(cols, round)) {
        const server = servers.get(c)!;
        await run({ op: 'conn', port: server.port, concurrency: CONN.concurrency, durationMs: CONN.warmupMs });
        const before = cpuUs(server.child.pid!);
        const a = await run({ op: 'conn', port: server.port, concurrency: CONN.concurrency, durationMs: CONN.durationMs });
        const after = cpuUs(server.child.pid!);
        if (a.op !== 'conn') continue;
        const s = series[c];
        s.connPerSec.push(a.perSec);
        s.userUsPerConn.push((after.user - before.user) / a.done);
        s.sysUsPerConn.push((after.system - before.system) / a.done);
        line.push(`${c} ${a.perSec.toFixed(0)}/s${a.errors ? ` (${a.errors} errors)` : ''}`);
        if (args.rtt) {
          const r = await run({ op: 'rtt', port: server.port, ...RTT });
          if (r.op === 'rtt') s.rttP50Us.push(r.p50Us);
        }
        if (args.bulk) {
          const b = await run({ op: 'bulk', port: server.port, bytes: BULK_BYTES });
          if (b.op === 'bulk') s.bulkMBps.push(b.mbps);
          line.push(`${c} bulk ${b.op === 'bulk' ? b.mbps.toFixed(0) : '?'} MB/s`);
        }
      }
      console.log(`round ${round + 1}: ${line.join(', ')}`);
    }
    for (const p of servers.values()) {
      procs.splice(procs.indexOf(p), 1);
      await p.stop();
    }

    for (let round = 0; round < Number(args['idle-rounds']); round++) {
      const line: string[] = [];
      for (const c of rotate(cols, round)) {
        const server = await start(c);
        try {
          await run({ op: 'idle-open', port: server.port, count: IDLE.warmup, concurrency: 16 });
          await run({ op: 'idle-close' });
          await sleep(500);
          const before = server.rssKiB();
          const a = await run({ op: 'idle-open', port: server.port, count: IDLE.count, concurrency: IDLE.concurrency });
          if (a.op === 'idle-open' && a.open !== IDLE.count) throw new Error(`idle: ${a.open} of ${IDLE.count} opened via ${c}`);
          await sleep(IDLE.settleMs);
          const perConn = (server.rssKiB() - before) / IDLE.count;
          series[c].idleKiBPerConn.push(perConn);
          line.push(`${c} ${perConn.toFixed(2)} KiB`);
          await run({ op: 'idle-close' });
        } finally {
          await server.stop();
        }
      }
      console.log(`idle round ${round + 1}: ${line.join(', ')}`);
    }
    await fetchRounds(cols, startFor, run, started, series);
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
  console.log('');
  console.log('| median | conn/s | user us/conn | sys us/conn | rtt p50 us | bulk MB/s | idle KiB/conn | fetch 1M rows ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of cols) {
    const s = series[c];
    const f = (xs: number[], d: number) => (xs.length ? median(xs).toFixed(d) : 'n/a');
    console.log(
      `| ${c} | ${f(s.connPerSec, 0)} | ${f(s.userUsPerConn, 0)} | ${f(s.sysUsPerConn, 0)} | ${f(s.rttP50Us, 1)} | ${f(s.bulkMBps, 0)} | ${f(s.idleKiBPerConn, 2)} | ${f(s.fetchMs, 0)} |`,
    );
  }
  console.log(`AB ${JSON.stringify(series)}`);
}

/** The 1,000,000-row fetch (hive-driver, SASL PLAIN) through each column's router in front of one simulated node. */
async function fetchRounds(
  cols: Col[],
  startFor: (c: Col, port: number) => Promise<Proc>,
  run: (job: LoadJob, timeoutMs?: number) => Promise<LoadAnswer>,
  started: (p: Promise<Proc>) => Promise<Proc>,
  series: Record<Col, Series>,
): Promise<void> {
  const rounds = Number(args['fetch-rounds']);
  if (rounds === 0) return;
  const sim = await started(startChild('sim node', 'sim-node.js'));
  const routers = new Map<Col, Proc>();
  for (const c of cols.filter((c) => c !== 'bare')) routers.set(c, await started(startFor(c, sim.port)));
  for (const r of routers.values()) await run({ op: 'fetch', port: r.port, rows: FETCH.warmupRows, timeoutMs: FETCH.timeoutMs });
  for (let round = 0; round < rounds; round++) {
    const line: string[] = [];
    for (const c of rotate([...routers.keys()], round)) {
      const a = await run({ op: 'fetch', port: routers.get(c)!.port, rows: FETCH.rows, timeoutMs: FETCH.timeoutMs });
      if (a.op === 'fetch') series[c].fetchMs.push(a.ms);
      line.push(`${c} ${a.op === 'fetch' ? a.ms.toFixed(0) : '?'} ms`);
    }
    console.log(`fetch round ${round + 1}: ${line.join(', ')}`);
  }
}

main().catch((err: unknown) => {
  console.error(`ab failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
