// `npm run soak`: the reliability suite. Clients (half of them slow readers) do SASL PLAIN +
// OpenSession through the real router process, then checksummed keyed streams, while the soak
// cluster's active moves every --interval-s seconds: kill -9, SIGSTOP hang, demotion, in turn.
// A connection refused or cut inside a failover window (from the event until --window-ms after the
// new active is promoted) is expected; any other is a failure. Exits 1 on any failure, corrupted
// byte, client hung over 5 s, or router descriptors not back to their baseline.
// Usage: node dist/bench/soak.js [--minutes 5] [--clients 16] [--interval-s 20] [--window-ms 4000]
//   [--router-log FILE] [--router-cli OTHER/dist/src/cli/main.js]
import { spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, waitListening } from './procs.js';
import { SoakCluster, type SoakNode } from './soak-cluster.js';
import { runClient, type Tally } from './soak-client.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    clients: { type: 'string', default: '16' },
    'interval-s': { type: 'string', default: '20' },
    'window-ms': { type: 'string', default: '4000' },
    /** Writes the router's log (info level) to this file, to see what it made of each event. */
    'router-log': { type: 'string' },
    /** Another build's dist/src/cli/main.js, e.g. to show what an older router does under the soak. */
    'router-cli': { type: 'string' },
  },
});
const DURATION_MS = Number(args.minutes) * 60_000;
const CLIENTS = Number(args.clients);
const INTERVAL_MS = Number(args['interval-s']) * 1000;
const WINDOW_MS = Number(args['window-ms']);
/** How long the cluster goes without a leader after a kill or a hang (a ZooKeeper latch's delay). */
const PROMOTE_AFTER_MS = 1000;
/** How long a hung node stays stopped before it is killed and comes back as a follower. */
const HANG_MS = 5000;
const DRAIN_TIMEOUT_MS = 30_000;
for (const [k, v] of Object.entries({ minutes: DURATION_MS, clients: CLIENTS, 'interval-s': INTERVAL_MS, 'window-ms': WINDOW_MS })) {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${k} must be a positive number`);
}

const CLI = args['router-cli'] ?? fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fdsOf = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const rssMiBOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

interface Event {
  at: number;
  kind: 'kill -9' | 'SIGSTOP' | 'demote';
  from: string;
  to: string;
  promotedAt: number;
  servedAfterMs?: number;
  cut: number;
}

const cluster = await SoakCluster.start(3);
const port = await freePort();
const routerLog = args['router-log'] ? openSync(args['router-log'], 'w') : 'ignore';
const routerArgs = [
  CLI,
  'run',
  '--listen',
  `127.0.0.1:${port}`,
  '--check',
  'ha-status',
  '--admin',
  '127.0.0.1:0',
  '--log-level',
  routerLog === 'ignore' ? 'warn' : 'info',
];
for (const n of cluster.nodes) routerArgs.push('--node', `${n.name}=127.0.0.1:${n.thriftPort},rest=${n.restPort}`);
const router = spawn(process.execPath, routerArgs, { stdio: ['ignore', routerLog, 'pipe'] });
let routerStderr = '';
router.stderr!.on('data', (d: Buffer) => (routerStderr = (routerStderr + d.toString()).slice(-4000)));
const routerExited = new Promise<void>((r) => router.once('exit', () => r()));

const tally: Tally = { connections: 0, completed: 0, cutInFailover: 0, failed: 0, hungClients: 0, corruptedBytes: 0, bytes: 0, failures: [], servedAt: [] };
const events: Event[] = [];
const windows: Array<[number, number]> = [];
let stop = false;
const rss: number[] = [];
let exitCode: number;

try {
  await waitListening(port, router, 'router', () => routerStderr);
  await sleep(1000); // the first checks have run and their connections are open
  const pid = router.pid!;
  const fdsBefore = fdsOf(pid);
  const sampler = setInterval(() => rss.push(rssMiBOf(pid)), 1000);
  const ctx = { port, tally, stopped: () => stop, inFailoverWindow: (t: number) => windows.some(([a, b]) => t >= a && t <= b) };
  const clients = Array.from({ length: CLIENTS }, (_, i) => runClient(ctx, i % 2 === 1));
  const startedAt = Date.now();
  console.log(`soak: ${CLIENTS} clients (half slow) for ${DURATION_MS / 60_000} min, the active moves every ${INTERVAL_MS / 1000} s`);

  let active: SoakNode = cluster.nodes[0]!;
  const kinds: Event['kind'][] = ['kill -9', 'SIGSTOP', 'demote'];
  for (let i = 0; Date.now() + INTERVAL_MS < startedAt + DURATION_MS; i++) {
    await sleep(INTERVAL_MS - ((Date.now() - startedAt) % INTERVAL_MS));
    const next = cluster.nodes[(cluster.nodes.indexOf(active) + 1) % cluster.nodes.length]!;
    const kind = kinds[i % kinds.length]!;
    const at = Date.now();
    windows.push([at, at + PROMOTE_AFTER_MS + WINDOW_MS]);
    const cutBefore = tally.cutInFailover;
    const from = active;
    if (kind === 'kill -9') cluster.signal(from, 'SIGKILL');
    if (kind === 'SIGSTOP') cluster.signal(from, 'SIGSTOP');
    if (kind === 'demote') cluster.setRole(from, 'follower');
    else await sleep(PROMOTE_AFTER_MS);
    cluster.setRole(next, 'leader');
    const event: Event = { at, kind, from: from.name, to: next.name, promotedAt: Date.now(), cut: 0 };
    events.push(event);
    active = next;
    if (kind === 'kill -9') await cluster.restartAsFollower(from);
    if (kind === 'SIGSTOP') {
      await sleep(HANG_MS - PROMOTE_AFTER_MS);
      await cluster.restartAsFollower(from);
    }
    const deadline = event.promotedAt + WINDOW_MS;
    await sleep(Math.max(0, deadline - Date.now()));
    const served = tally.servedAt.find((t) => t >= event.promotedAt && t <= deadline);
    if (served !== undefined) event.servedAfterMs = served - event.promotedAt;
    event.cut = tally.cutInFailover - cutBefore;
  }
  await sleep(Math.max(0, startedAt + DURATION_MS - Date.now()));
  stop = true;
  await Promise.race([Promise.all(clients), sleep(DRAIN_TIMEOUT_MS).then(() => tally.failures.push('clients did not finish within 30 s'))]);
  clearInterval(sampler);
  let fdsAfter = fdsOf(pid);
  for (let t = 0; t < 50 && fdsAfter > fdsBefore; t++) {
    await sleep(100);
    fdsAfter = fdsOf(pid);
  }

  console.log('\n  t (s)  event     from -> to         first served after promotion  cut in window');
  for (const e of events) {
    const served = e.servedAfterMs === undefined ? `not within ${WINDOW_MS} ms` : `${e.servedAfterMs} ms`;
    console.log(
      `  ${((e.at - startedAt) / 1000).toFixed(0).padStart(5)}  ${e.kind.padEnd(8)}  ${`${e.from} -> ${e.to}`.padEnd(17)}  ${served.padEnd(28)}  ${e.cut}`,
    );
  }
  const warm = rss.slice(Math.min(30, rss.length >> 2));
  const maxRssMiB = Math.round(Math.max(...rss));
  console.log(`\n  connections ${tally.connections}, completed ${tally.completed}, cut in failover windows ${tally.cutInFailover}, failed ${tally.failed}`);
  console.log(`  ${(tally.bytes / 2 ** 30).toFixed(2)} GiB checked, corrupted bytes ${tally.corruptedBytes}, hung clients ${tally.hungClients}`);
  console.log(
    `  router RSS MiB: after warm-up ${warm[0]?.toFixed(0)}, max ${maxRssMiB}, last ${rss.at(-1)?.toFixed(0)}; descriptors before ${fdsBefore}, after ${fdsAfter}`,
  );
  for (const f of tally.failures) console.log(`  failure: ${f}`);
  const result = {
    connections: tally.connections,
    failed: tally.failed,
    corruptedBytes: tally.corruptedBytes,
    hungClients: tally.hungClients,
    maxRssMiB,
    fdsBefore,
    fdsAfter,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
  const servedEvery = events.every((e) => e.servedAfterMs !== undefined);
  exitCode =
    tally.failed === 0 && tally.corruptedBytes === 0 && tally.hungClients === 0 && fdsAfter <= fdsBefore && servedEvery && tally.failures.length === 0 ? 0 : 1;
} finally {
  stop = true;
  router.kill('SIGTERM');
  const timer = setTimeout(() => router.kill('SIGKILL'), 5000);
  await routerExited;
  clearTimeout(timer);
  await cluster.close();
}
process.exit(exitCode);
