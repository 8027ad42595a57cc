// `npm run fuzz`: mutated first messages (SASL, NOSASL, HTTP, TLS) against the real router process
// in front of simulated Livy nodes, while a healthy client (from 127.0.0.2) keeps doing real
// handshakes. Fails (exit 1) on a router crash, a connection the router did not close within the
// deadline, router descriptors not back to their baseline, or any failed healthy handshake.
// Usage: node dist/bench/fuzz.js [--cases 20000] (per transport) [--concurrency 96] [--seed 12]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSimCluster } from '../sim/cluster.js';
import { CaseSource, seeded, TRANSPORTS, type Transport } from './fuzz-cases.js';
import { runCase, startProber, type CaseOutcome } from './fuzz-client.js';
import { freePort, waitListening } from './procs.js';

const { values: args } = parseArgs({
  options: { cases: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '96' }, seed: { type: 'string', default: '12' } },
});
const CASES = Number(args.cases);
const CONCURRENCY = Number(args.concurrency);
/**
 * The router's bounds in this run: first message 500 ms, each node 1 s, an idle session 1.5 s, and
 * a client that every node refused alike waits at most 2 s for an active (holdMs).
 */
const ROUTER_BOUNDS = [
  'handshake: { clientFirstBytesTimeoutMs: 500, timeoutMs: 1000 }',
  'session: { idleTimeoutMs: 1500 }',
  'connectTimeoutMs: 1000',
  'holdMs: 2000',
];
/** Longest a case may take: first bytes + a hold + two nodes + an idle session + slack. */
const DEADLINE_MS = 8000;
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const fdsOf = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const cpuSecondsOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const rssMiBOf = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

interface Router {
  child: ChildProcess;
  port: number;
  stderr: () => string;
}

async function startRouter(dir: string, name: string, nodes: Array<{ name: string; port: number }>, transport: 'binary' | 'http'): Promise<Router> {
  const port = await freePort();
  const file = join(dir, `${name}.yaml`);
  const nodeLines = nodes.map((n) => `  - { name: ${n.name}, host: 127.0.0.1, port: ${n.port} }`);
  writeFileSync(
    file,
    [
      `listeners: [{ host: 127.0.0.1, port: ${port} }]`,
      'nodes:',
      ...nodeLines,
      `nodeTransport: ${transport}`,
      'health: { kind: none }',
      'admin: { enabled: false }',
      'log: { level: warn }',
      ...ROUTER_BOUNDS,
    ].join('\n'),
  );
  const child = spawn(process.execPath, [CLI, 'run', '--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  await waitListening(port, child, name, () => stderr);
  return { child, port, stderr: () => stderr };
}

const failures: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'lr-fuzz-'));
const cluster = await startSimCluster({
  nodes: [
    { name: 'bin-1' },
    { name: 'bin-2', passiveStyle: 'sasl-bad' },
    { name: 'web-1', transport: 'http' },
    { name: 'web-2', transport: 'http', passiveStyle: 'http-503' },
  ],
  active: null,
});
const routers: Router[] = [];
try {
  cluster.node('bin-1').setRole('leader');
  cluster.node('web-1').setRole('leader');
  await cluster.settled();
  const nodesOf = (prefix: string) => cluster.nodes.filter((n) => n.name.startsWith(prefix)).map((n) => ({ name: n.name, port: n.thriftPort }));
  routers.push(await startRouter(dir, 'binary', nodesOf('bin'), 'binary'), await startRouter(dir, 'http', nodesOf('web'), 'http'));
  const [bin, web] = routers as [Router, Router];
  const pids = routers.map((r) => r.child.pid!);
  const prober = startProber(bin.port, web.port, 50);
  await sleep(500); // the first probes have taught each router its active node
  const fdsBefore = pids.map(fdsOf);
  const cpuBefore = pids.map(cpuSecondsOf);
  const rssBefore = pids.map(rssMiBOf);
  const source = await CaseSource.start();
  const started = Date.now();
  const results = new Map<Transport, CaseOutcome[]>(TRANSPORTS.map((t) => [t, []]));
  for (const transport of TRANSPORTS) {
    const rnd = seeded(Number(args.seed) * 31 + TRANSPORTS.indexOf(transport));
    // HTTP clients go to the HTTP router; SASL, NOSASL and TLS to the binary one (TLS is passed through).
    const port = transport === 'http' ? web.port : bin.port;
    let next = 0;
    const worker = async () => {
      while (next < CASES) {
        next++;
        const outcome = await runCase(port, source.make(transport, rnd), DEADLINE_MS);
        results.get(transport)!.push(outcome);
        if (!outcome.closed && failures.length < 20) failures.push(`${transport}: the router kept a connection open past ${DEADLINE_MS} ms`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    for (const r of routers) if (r.child.exitCode !== null || r.child.signalCode !== null) failures.push(`router exited: ${r.stderr()}`);
  }
  const elapsedS = (Date.now() - started) / 1000;
  await prober.stop();
  const cpu = pids.map((p, i) => cpuSecondsOf(p) - cpuBefore[i]!);
  const rssAfter = pids.map(rssMiBOf);
  // Descriptors: back to the baseline once the last sockets have closed (bounded wait).
  let fdsAfter = pids.map(fdsOf);
  for (let i = 0; i < 50 && fdsAfter.some((n, j) => n > fdsBefore[j]!); i++) {
    await sleep(200);
    fdsAfter = pids.map(fdsOf);
  }
  fdsAfter.forEach((n, j) => n > fdsBefore[j]! && failures.push(`router ${j === 0 ? 'binary' : 'http'}: ${n} descriptors after, ${fdsBefore[j]} before`));
  const { probe } = prober;
  if (probe.failed) failures.push(`healthy client: ${probe.failed} failed (${probe.failures.join('; ')})`);

  console.log(`fuzz: ${CASES} cases per transport, ${CONCURRENCY} at a time, seed ${args.seed}, ${elapsedS.toFixed(1)} s`);
  console.log('transport  cases          closed  answered  silent  reset  p50 ms  p99 ms  max ms  past deadline');
  const perTransport: Record<string, unknown> = {};
  for (const [t, rs] of results) {
    const ms = rs.map((r) => r.ms);
    const row = {
      cases: rs.length,
      answered: rs.filter((r) => r.bytesBack > 0).length,
      silent: rs.filter((r) => r.closed && r.bytesBack === 0 && !r.reset).length,
      reset: rs.filter((r) => r.reset).length,
      p50: pct(ms, 50),
      p99: pct(ms, 99),
      max: Math.max(...ms),
      hung: rs.filter((r) => !r.closed).length,
    };
    perTransport[t] = row;
    console.log(
      `${t.padEnd(9)} ${String(row.cases).padStart(6)} ${String(rs.filter((r) => r.closed).length).padStart(15)} ${String(row.answered).padStart(9)} ${String(row.silent).padStart(7)} ${String(row.reset).padStart(6)} ${String(row.p50).padStart(7)} ${String(row.p99).padStart(7)} ${String(row.max).padStart(7)} ${String(row.hung).padStart(14)}`,
    );
  }
  console.log(
    `router CPU s (binary, http): ${cpu.map((c) => c.toFixed(2)).join(', ')}; RSS MiB before -> after: ${rssBefore.map((r, i) => `${r.toFixed(0)} -> ${rssAfter[i]!.toFixed(0)}`).join(', ')}`,
  );
  console.log(`descriptors before -> after: ${fdsBefore.map((f, i) => `${f} -> ${fdsAfter[i]}`).join(', ')}`);
  console.log(`healthy client: ${probe.ok} ok, ${probe.failed} failed, p99 ${pct(probe.latenciesMs, 99)} ms`);
  console.log(
    `RESULT ${JSON.stringify({ cases: CASES, elapsedS, perTransport, cpuS: cpu, fdsBefore, fdsAfter, healthy: { ok: probe.ok, failed: probe.failed }, failures })}`,
  );
  for (const f of failures) console.log(`FAIL ${f}`);
} finally {
  for (const r of routers) {
    r.child.kill('SIGTERM');
    const timer = setTimeout(() => r.child.kill('SIGKILL'), 5000);
    if (r.child.exitCode === null && r.child.signalCode === null) await new Promise((res) => r.child.once('exit', res));
    clearTimeout(timer);
  }
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failures.length ? 1 : 0);
