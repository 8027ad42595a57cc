// `livy-router demo --cloudera-manager` as a user runs it: the nodes come from the simulated
// Cloudera Manager, a Livy role is started and stopped there, and the clients never notice.
import { describe, expect, it } from 'vitest';
import { startDemo } from '../helpers/demo-process.js';

describe('livy-router demo --cloudera-manager', () => {
  it('adds and removes a Livy role while the clients keep working; SIGINT exits 0', async () => {
    const demo = startDemo(['--cloudera-manager', '--port', '0', '--admin', 'off', '--move-every-ms', '2000', '--interval-ms', '400']);
    await demo.line(/^ {2}cm {7}http:\/\/127\.0\.0\.1:\d+: the router's node list; livy-3's role starts\/stops$/, 'the cm line');
    await demo.line(/ -{7} {2}Cloudera Manager: role livy-3 STARTED$/, 'the role started');
    await demo.line(/ router {3}livy-3 new -> passive: ha-status check/, 'livy-3 added and checked', 5000);
    await demo.line(/ -{7} {2}Cloudera Manager: role livy-3 STOPPED$/, 'the role stopped', 5000);
    await demo.line(/ router {3}livy-3 passive -> down: removed by Cloudera Manager/, 'livy-3 removed', 5000);
    await demo.line(/ query {4}livy-1 +\d+ ms$/, 'a query after the removal');
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    const summary = demo.lines.find((l) => l.startsWith('  queries: '))!;
    expect(summary).toMatch(/^ {2}queries: [1-9]\d* \(0 failed\); session cut and reopened: 0 time\(s\)$/);
    expect(demo.lines.filter((l) => / CUT /.test(l))).toEqual([]);
    expect(demo.stderr()).toBe('');
  });
});
