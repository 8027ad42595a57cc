// `npm run bench` (last part), or `npm run bench:rest`: Livy's REST API through the router's REST
// listener next to HAProxy in HTTP mode and a direct connection, all to the same simulated Livy
// node (its own process), GET /sessions with Basic auth from a separate load process on 16
// kept-alive connections, 2 s per column per round, columns rotated, medians reported. About 30 s.
// Usage: node dist/bench/rest.js [--rounds 3] [--concurrency 16] [--duration-ms 2000]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnSimNodeProcess, type SimNodeProcess } from '../sim/spawn.js';
import { findOnPath, freePort, startChild, waitListening, type Proc } from './procs.js';
import type { RestLoadAnswer, RestLoadJob } from './rest-load.js';
import { spawn } from 'node:child_process';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    'duration-ms': { type: 'string', default: '2000' },
  },
});
const ROUNDS = Number(args.rounds);
const AUTHORIZATION = `Basic ${Buffer.from('bench:bench-password').toString('base64')}`;
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

/** CPU time (user + system) a process has used, in microseconds: a busy machine slows every column, CPU per request it does not. */
function cpuUs(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

/** A process listening on `port`; stop() is SIGTERM then SIGKILL after 5 s. */
async function startListener(name: string, argv: string[], port: number, cleanup?: () => void): Promise<Proc> {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
    cleanup?.();
  };
  try {
    await waitListening(port, child, name, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name, child, port, rssKiB: () => 0, stop };
}

async function startRouter(node: SimNodeProcess, dir: string): Promise<Proc> {
  const port = await freePort();
  const config = path.join(dir, 'router.yaml');
  writeFileSync(config, 'maxClientConnectionsPerSource: 0\n');
  const argv = [
    process.execPath,
    here('../src/cli/main.js'),
    'run',
    '--listen',
    '127.0.0.1:0',
    '--node',
    `bench=127.0.0.1:${node.thriftPort},rest=${node.restPort}`,
  ];
  argv.push('--check', 'ha-status', '--admin', 'off', '--log-level', 'warn', '--rest-listen', `127.0.0.1:${port}`, '--config', config);
  return startListener('router', argv, port);
}

/** HAProxy in HTTP mode with keep-alive both sides, as a user would put in front of Livy's REST port. */
async function startHaproxy(binary: string, node: SimNodeProcess, dir: string): Promise<Proc> {
  const port = await freePort();
  const cfg = path.join(dir, 'haproxy.cfg');
  const lines = ['defaults', '  mode http', '  option http-keep-alive', '  timeout connect 5s', '  timeout client 60s', '  timeout server 60s'];
  lines.push(
    'frontend rest',
    `  bind 127.0.0.1:${port}`,
    '  option forwardfor',
    '  default_backend livy',
    'backend livy',
    `  server livy 127.0.0.1:${node.restPort}`,
    '',
  );
  writeFileSync(cfg, lines.join('\n'));
  return startListener('haproxy', [binary, '-db', '-f', cfg], port);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'livy-bench-rest-'));
  const stops: Array<() => Promise<void>> = [];
  const t0 = Date.now();
  try {
    const node = await spawnSimNodeProcess({ name: 'livy-1', role: 'leader', script: here('../sim/node-process.js'), logLevel: 'error' });
    stops.push(() => node.stop());
    const auth = await fetch(`${node.restUrl}/_sim/rest-auth?user=bench&password=bench-password`, { method: 'POST' });
    if (auth.status !== 204) throw new Error(`rest-auth: ${auth.status}`);
    const load = await startChild('rest load', 'rest-load.js');
    stops.push(() => load.stop());
    const router = await startRouter(node, dir);
    stops.push(() => router.stop());
    const haproxyBin = findOnPath('haproxy');
    if (!haproxyBin) console.log('haproxy is not on PATH: its REST column is skipped');
    const haproxy = haproxyBin ? await startHaproxy(haproxyBin, node, dir) : undefined;
    if (haproxy) stops.push(() => haproxy.stop());
    const columns: Array<[string, number]> = [
      ['direct', node.restPort],
      ['router', router.port],
    ];
    if (haproxy) columns.push(['haproxy', haproxy.port]);
    // The process whose CPU a column costs besides the node's: the proxy (direct: none).
    const proxyPid = new Map<string, number | undefined>([
      ['router', router.child.pid],
      ['haproxy', haproxy?.child.pid],
    ]);
    const job = (port: number, durationMs: number): Promise<RestLoadAnswer> =>
      new Promise((resolve) => {
        load.child.once('message', (a: RestLoadAnswer) => resolve(a));
        const j: RestLoadJob = { port, path: '/sessions', authorization: AUTHORIZATION, concurrency: Number(args.concurrency), durationMs };
        load.child.send(j);
      });
    for (const [, port] of columns) await job(port, 300);
    const samples = new Map<string, RestLoadAnswer[]>(columns.map(([c]) => [c, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const line: string[] = [];
      for (const [col, port] of columns.map((_, i) => columns[(i + round) % columns.length]!)) {
        const pid = proxyPid.get(col);
        const cpuBefore = pid ? cpuUs(pid) : 0;
        const a = await job(port, Number(args['duration-ms']));
        a.proxyCpuUsPerRequest = pid ? (cpuUs(pid) - cpuBefore) / a.requests : 0;
        samples.get(col)!.push(a);
        line.push(
          `${col} ${a.perSec.toFixed(0)}/s p50 ${(a.p50Us / 1000).toFixed(2)} ms p99 ${(a.p99Us / 1000).toFixed(2)} ms${a.errors ? ` (${a.errors} errors)` : ''}`,
        );
      }
      console.log(`REST round ${round + 1}/${ROUNDS}: ${line.join(', ')}`);
    }
    const result: Record<string, { perSec: number; p50Ms: number; p99Ms: number; proxyCpuUsPerRequest: number; errors: number }> = {};
    console.log('');
    console.log('| REST GET /sessions, 16 kept-alive connections (median) | requests/s | p50 ms | p99 ms | proxy CPU us/request |');
    console.log('|---|---:|---:|---:|---:|');
    for (const [col, xs] of samples) {
      const r = {
        perSec: Math.round(median(xs.map((x) => x.perSec))),
        p50Ms: Number((median(xs.map((x) => x.p50Us)) / 1000).toFixed(2)),
        p99Ms: Number((median(xs.map((x) => x.p99Us)) / 1000).toFixed(2)),
        proxyCpuUsPerRequest: Math.round(median(xs.map((x) => x.proxyCpuUsPerRequest ?? 0))),
        errors: xs.reduce((a, x) => a + x.errors, 0),
      };
      result[col] = r;
      console.log(`| ${col} | ${r.perSec} | ${r.p50Ms} | ${r.p99Ms} | ${col === 'direct' ? '-' : r.proxyCpuUsPerRequest} |`);
    }
    console.log(`REST bench took ${((Date.now() - t0) / 1000).toFixed(0)} s (node ${process.version})`);
    console.log(`RESULT_REST ${JSON.stringify(result)}`);
  } finally {
    for (const stop of stops.reverse()) await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
