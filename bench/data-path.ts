// `npm run bench`: the data path measured side by side, in one run on this machine. A direct
// connection to the bench node, the router (a real `livy-router run` process) and HAProxy (when on
// PATH) carry the same loads from a separate load process, alternating every round; medians are
// reported. Usage: node dist/bench/data-path.js [--rounds 5] [--idle-rounds 3] [--fetch-rounds 3]
//   [--router-arg=--some-flag ...] [--router-node-arg=--cpu-prof ...] [--no-fetch]
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { LoadAnswer, LoadJob } from './load.js';
import { findOnPath, startChild, startHaproxy, startRouter, type Proc } from './procs.js';

const COLUMNS = ['direct', 'router', 'haproxy'] as const;
type Column = (typeof COLUMNS)[number];
const METRICS = ['bulkMBps', 'rttP50Us', 'rttP99Us', 'connPerSec', 'idleKiBPerConn', 'fetch1MRowsMs'] as const;
type Metric = (typeof METRICS)[number];
type Samples = Record<Column, Record<Metric, number[]>>;

const BULK_BYTES = 1024 * 1024 * 1024;
const RTT = { count: 5000, warmup: 500, size: 64 };
const CONN = { concurrency: 16, durationMs: 2000, warmupMs: 300 };
const IDLE = { count: 5000, concurrency: 32, warmup: 200, settleMs: 1500 };
const FETCH_ROWS = 1_000_000;
const FETCH_TIMEOUT_MS = 120_000;

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'idle-rounds': { type: 'string', default: '3' },
    'fetch-rounds': { type: 'string', default: '3' },
    'router-arg': { type: 'string', multiple: true, default: [] },
    /** Node.js flags for the router processes, e.g. --cpu-prof to profile them. */
    'router-node-arg': { type: 'string', multiple: true, default: [] },
    'no-fetch': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const IDLE_ROUNDS = Number(args['idle-rounds']);
const FETCH_ROUNDS = Number(args['fetch-rounds']);
const ROUTER_ARGS = args['router-arg'];
const ROUTER_NODE_ARGS = args['router-node-arg'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
/** Round r starts with column r mod n, so no column always runs first (or last, after the others warmed the machine). */
const rotate = <T>(xs: readonly T[], r: number): T[] => xs.map((_, i) => xs[(i + r) % xs.length]!);

/** One job at a time to the load process; a job that outlives its budget fails the bench. */
function runner(load: Proc): (job: LoadJob, budgetMs: number) => Promise<LoadAnswer> {
  return (job, budgetMs) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        load.child.off('message', onMessage);
        reject(new Error(`load job ${job.op} took longer than ${budgetMs} ms`));
      }, budgetMs);
      const onMessage = (answer: LoadAnswer) => {
        clearTimeout(timer);
        if (answer.op === 'error') reject(new Error(`load job ${job.op}: ${answer.message}`));
        else resolve(answer);
      };
      load.child.once('message', onMessage);
      load.child.send(job);
    });
}

function emptySamples(): Samples {
  const one = () => Object.fromEntries(METRICS.map((m) => [m, [] as number[]])) as Record<Metric, number[]>;
  return { direct: one(), router: one(), haproxy: one() };
}

const fmt = (v: number | null, digits = 0) => (v === null ? 'n/a' : v.toFixed(digits));
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

function report(samples: Samples, haproxy: boolean): void {
  const med = (c: Column, m: Metric) => median(samples[c][m]);
  const rows: Array<[string, Metric, number]> = [
    ['bulk MB/s (node->client, 1 GiB)', 'bulkMBps', 0],
    ['round trip p50 us (64 B echo)', 'rttP50Us', 1],
    ['round trip p99 us', 'rttP99Us', 1],
    ['connections/s (16 at a time)', 'connPerSec', 0],
    ['idle KiB per connection (5,000)', 'idleKiBPerConn', 2],
    ['fetch 1,000,000 rows ms', 'fetch1MRowsMs', 0],
  ];
  const table = rows.map(([label, m, d]) => [
    label,
    fmt(med('direct', m), d),
    fmt(med('router', m), d),
    haproxy ? fmt(med('haproxy', m), d) : 'n/a',
    fmt(ratio(med('router', m), haproxy ? med('haproxy', m) : null), 2),
    fmt(ratio(med('router', m), med('direct', m)), 2),
  ]);
  const head = ['metric (median)', 'direct', 'router', 'haproxy', 'router/haproxy', 'router/direct'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log('');
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|')}|`);
  for (const r of table) console.log(line(r));
  console.log('idle: RSS growth of the process holding the server side of 5,000 idle committed connections');
  console.log('       (direct = the bench node itself, one socket each; proxies hold two sockets each)');

  const r = (m: Metric, c: Column) => ratio(med('router', m), med(c, m));
  const verdict = (ok: boolean | null) => (ok === null ? 'n/a' : ok ? 'met' : 'NOT met');
  const cmp = (v: number | null, pass: (x: number) => boolean) => (v === null ? null : pass(v));
  console.log('');
  console.log(`target bulk >= 1.0x haproxy: ${verdict(cmp(r('bulkMBps', 'haproxy'), (x) => x >= 1.0))}`);
  console.log(`target rtt p50 <= 1.1x haproxy: ${verdict(cmp(r('rttP50Us', 'haproxy'), (x) => x <= 1.1))}`);
  console.log(`target conn/s >= 1.0x haproxy: ${verdict(cmp(r('connPerSec', 'haproxy'), (x) => x >= 1.0))}`);
  console.log(`target idle <= 4 KiB/conn: ${verdict(cmp(med('router', 'idleKiBPerConn'), (x) => x <= 4))}`);
  console.log(`target fetch within 5% of direct: ${verdict(cmp(r('fetch1MRowsMs', 'direct'), (x) => x <= 1.05))}`);

  const result = Object.fromEntries(COLUMNS.map((c) => [c, Object.fromEntries(METRICS.map((m) => [m, c === 'haproxy' && !haproxy ? null : med(c, m)]))]));
  console.log(`RESULT ${JSON.stringify(result)}`);
}

async function main(): Promise<void> {
  const haproxyBin = findOnPath('haproxy');
  if (!haproxyBin) console.log('haproxy is not on PATH: the haproxy column is skipped (apt-get install -y haproxy to measure it)');
  const fetchable = !args['no-fetch'] && existsSync(fileURLToPath(new URL('../sim/hive-client.js', import.meta.url)));
  const procs: Proc[] = [];
  const started = async (p: Promise<Proc>) => {
    const proc = await p;
    procs.push(proc);
    return proc;
  };
  const stopOne = async (p: Proc) => {
    procs.splice(procs.indexOf(p), 1);
    await p.stop();
  };
  const samples = emptySamples();
  const t0 = Date.now();
  try {
    const node = await started(startChild('bench node', 'node.js'));
    const load = await started(startChild('load', 'load.js'));
    const run = runner(load);
    const router = await started(startRouter(node.port, ROUTER_ARGS, ROUTER_NODE_ARGS));
    const haproxy = haproxyBin ? await started(startHaproxy(haproxyBin, node.port)) : undefined;
    const ports: Array<[Column, number]> = [
      ['direct', node.port],
      ['router', router.port],
    ];
    if (haproxy) ports.push(['haproxy', haproxy.port]);

    for (let round = 0; round < ROUNDS; round++) {
      const order = rotate(ports, round);
      const line: string[] = [];
      for (const [col, port] of order) {
        const a = await run({ op: 'bulk', port, bytes: BULK_BYTES }, 60_000);
        if (a.op === 'bulk') samples[col].bulkMBps.push(a.mbps);
        line.push(`${col} bulk ${a.op === 'bulk' ? a.mbps.toFixed(0) : '?'}`);
      }
      for (const [col, port] of order) {
        const a = await run({ op: 'rtt', port, ...RTT }, 60_000);
        if (a.op === 'rtt') {
          samples[col].rttP50Us.push(a.p50Us);
          samples[col].rttP99Us.push(a.p99Us);
          line.push(`${col} rtt ${a.p50Us.toFixed(1)}/${a.p99Us.toFixed(1)}`);
        }
      }
      for (const [col, port] of order) {
        await run({ op: 'conn', port, concurrency: CONN.concurrency, durationMs: CONN.warmupMs }, 30_000);
        const a = await run({ op: 'conn', port, concurrency: CONN.concurrency, durationMs: CONN.durationMs }, 30_000);
        if (a.op === 'conn') {
          samples[col].connPerSec.push(a.perSec);
          line.push(`${col} conn ${a.perSec.toFixed(0)}/s${a.errors ? ` (${a.errors} errors)` : ''}`);
        }
      }
      console.log(`round ${round + 1}/${ROUNDS}: ${line.join(', ')}`);
    }

    // Idle memory: a fresh server process each time, so memory freed by earlier loads does not
    // hide the cost; a few connections first so that compiled code is in the baseline.
    const idleCols: Column[] = haproxy ? ['direct', 'router', 'haproxy'] : ['direct', 'router'];
    for (let round = 0; round < IDLE_ROUNDS; round++) {
      const line: string[] = [];
      for (const col of rotate(idleCols, round)) {
        const server = await started(
          col === 'direct'
            ? startChild('bench node (idle)', 'node.js')
            : col === 'router'
              ? startRouter(node.port, ROUTER_ARGS, ROUTER_NODE_ARGS)
              : startHaproxy(haproxyBin!, node.port),
        );
        try {
          await run({ op: 'idle-open', port: server.port, count: IDLE.warmup, concurrency: 16 }, 30_000);
          await run({ op: 'idle-close' }, 30_000);
          await sleep(500);
          const before = server.rssKiB();
          const a = await run({ op: 'idle-open', port: server.port, count: IDLE.count, concurrency: IDLE.concurrency }, 60_000);
          if (a.op === 'idle-open' && a.open !== IDLE.count) throw new Error(`idle: ${a.open} of ${IDLE.count} connections opened via ${col}`);
          await sleep(IDLE.settleMs);
          const perConn = (server.rssKiB() - before) / IDLE.count;
          samples[col].idleKiBPerConn.push(perConn);
          line.push(`${col} ${perConn.toFixed(2)} KiB`);
          await run({ op: 'idle-close' }, 60_000);
        } finally {
          await stopOne(server);
        }
      }
      console.log(`idle round ${round + 1}/${IDLE_ROUNDS}: ${line.join(', ')}`);
    }

    if (fetchable) {
      const sim = await started(startChild('sim node', 'sim-node.js'));
      const fRouter = await started(startRouter(sim.port, ROUTER_ARGS, ROUTER_NODE_ARGS));
      const fHaproxy = haproxyBin ? await started(startHaproxy(haproxyBin, sim.port)) : undefined;
      const fPorts: Array<[Column, number]> = [
        ['direct', sim.port],
        ['router', fRouter.port],
      ];
      if (fHaproxy) fPorts.push(['haproxy', fHaproxy.port]);
      for (const [, port] of fPorts) await run({ op: 'fetch', port, rows: 10_000, timeoutMs: FETCH_TIMEOUT_MS }, FETCH_TIMEOUT_MS);
      for (let round = 0; round < FETCH_ROUNDS; round++) {
        const line: string[] = [];
        for (const [col, port] of rotate(fPorts, round)) {
          const a = await run({ op: 'fetch', port, rows: FETCH_ROWS, timeoutMs: FETCH_TIMEOUT_MS }, FETCH_TIMEOUT_MS + 10_000);
          if (a.op === 'fetch') {
            samples[col].fetch1MRowsMs.push(a.ms);
            line.push(`${col} ${a.ms.toFixed(0)} ms`);
          }
        }
        console.log(`fetch round ${round + 1}/${FETCH_ROUNDS}: ${line.join(', ')}`);
      }
    } else {
      console.log('fetch: skipped (--no-fetch, or the simulated node is not built)');
    }
  } finally {
    for (const p of procs.reverse()) await p.stop();
  }
  console.log(`bench took ${((Date.now() - t0) / 1000).toFixed(0)} s (node ${process.version}, router args: ${ROUTER_ARGS.join(' ') || 'none'})`);
  report(samples, haproxyBin !== undefined);
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
