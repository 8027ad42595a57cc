import { describe, expect, it } from 'vitest';
import { startDemo } from '../helpers/demo-process.js';
import { eventually } from '../helpers/eventually.js';
import { adminStatus } from './helpers.js';

describe('livy-router demo (the real command, about 15 s)', () => {
  it('tells the story in 80 columns: the session is cut at each failover and reopened; Ctrl-C prints a summary', async () => {
    const demo = startDemo(['--port', '0', '--admin', '127.0.0.1:0', '--move-every-ms', '4000', '--interval-ms', '500']);
    const { lines, exited } = demo;

    const find = (re: RegExp) => lines.find((l) => re.test(l));
    const adminLine = await eventually(() => find(/^ {2}admin {4}http:\/\/127\.0\.0\.1:\d+\/status$/), { what: 'the admin line', timeoutMs: 10_000 });
    const adminPort = Number(/:(\d+)\/status$/.exec(adminLine)![1]);
    expect((await adminStatus(adminPort)).nodes.map((n) => n.name)).toEqual(['livy-1', 'livy-2', 'livy-3']);

    // Two moves of the leader: the session is cut on livy-1, reopened on livy-2, cut, reopened on livy-3.
    await eventually(() => (lines.filter((l) => / REOPENED, \d+ ms after the cut$/.test(l)).length >= 2 ? true : undefined), {
      what: 'two reopened sessions',
      timeoutMs: 20_000,
    });
    expect(find(/ session {2}CUT after \d+\.\d s on livy-1; reconnecting$/)).toBeDefined();
    expect(find(/ session {2}livy-2 +\d+ ms {3}REOPENED, \d+ ms after the cut$/)).toBeDefined();
    expect(find(/ router {3}livy-1 active -> \w+: /)).toBeDefined();
    // The per-interval query on a new connection may come after the session's reopen line.
    await eventually(() => find(/ query {4}livy-3 +\d+ ms/), { what: 'a query answered by livy-3', timeoutMs: 5_000 });

    demo.child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(demo.stderr()).toBe('');
    const summary = lines.findIndex((l) => /^summary after \d+ s: \d+ failover\(s\) seen by the router$/.test(l));
    expect(summary).toBeGreaterThan(0);
    expect(Number(/: (\d+) failover/.exec(lines[summary]!)![1])).toBeGreaterThanOrEqual(2);
    expect(lines[summary + 1]).toMatch(/^ {2}queries: \d+ \(\d+ failed\); session cut and reopened: [2-9] time\(s\)$/);
    expect(lines[summary + 2]).toMatch(/^ {2}longest client-visible gap: \d+ ms \(new connections\), \d+ ms \(session\)$/);
    expect(lines.filter((l) => l.length > 80)).toEqual([]);
  }, 30_000);
});
