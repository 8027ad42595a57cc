import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/router-process.js';
import { eventually } from '../helpers/eventually.js';
import { adminStatus } from './helpers.js';

describe('livy-router demo (the real command, about 15 s)', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('tells the story in 80 columns: the session is cut at each failover and reopened; Ctrl-C prints a summary', async () => {
    const demo = spawn(process.execPath, [CLI, 'demo', '--port', '0', '--admin', '127.0.0.1:0', '--move-every-ms', '4000', '--interval-ms', '500'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = demo;
    const lines: string[] = [];
    let stderr = '';
    demo.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const rl = createInterface({ input: demo.stdout! });
    rl.on('line', (l) => lines.push(l));
    const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));

    const find = (re: RegExp) => lines.find((l) => re.test(l));
    const adminLine = await eventually(() => find(/^ {2}admin {4}http:\/\/127\.0\.0\.1:\d+\/status$/), { what: 'the admin line', timeoutMs: 10_000 });
    const adminPort = Number(/:(\d+)\/status$/.exec(adminLine)![1]);
    expect((await adminStatus(adminPort)).nodes.map((n) => n.name)).toEqual(['livy-1', 'livy-2', 'livy-3']);

    // Two moves of the leader: the session is cut on livy-1, reopened on livy-2, cut, reopened on livy-3.
    await eventually(() => (lines.filter((l) => / REOPENED, \d+ ms after the cut$/.test(l)).length >= 2 ? true : undefined), { what: 'two reopened sessions', timeoutMs: 20_000 });
    expect(find(/ session {2}CUT after \d+\.\d s on livy-1; reconnecting$/)).toBeDefined();
    expect(find(/ session {2}livy-2 +\d+ ms {3}REOPENED, \d+ ms after the cut$/)).toBeDefined();
    expect(find(/ router {3}livy-1 active -> \w+: /)).toBeDefined();
    expect(find(/ query {4}livy-3 +\d+ ms/)).toBeDefined();

    demo.kill('SIGINT');
    expect(await exited).toBe(0);
    rl.close();
    expect(stderr).toBe('');
    const summary = lines.findIndex((l) => /^summary after \d+ s: \d+ failover\(s\) seen by the router$/.test(l));
    expect(summary).toBeGreaterThan(0);
    expect(Number(/: (\d+) failover/.exec(lines[summary]!)![1])).toBeGreaterThanOrEqual(2);
    expect(lines[summary + 1]).toMatch(/^ {2}queries: \d+ \(\d+ failed\); session cut and reopened: [2-9] time\(s\)$/);
    expect(lines[summary + 2]).toMatch(/^ {2}longest client-visible gap: \d+ ms \(new connections\), \d+ ms \(session\)$/);
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
  }, 30_000);
});
