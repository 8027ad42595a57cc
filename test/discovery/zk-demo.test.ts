// `livy-router demo --zookeeper` as a user runs it (issue 14): the real command against a real
// ZooKeeper; its clients find the router by the Hive JDBC lookup, and fall back to a direct
// connection when ZooKeeper cannot be reached.
import { describe, expect, it } from 'vitest';
import { parseZnodeData } from '../../src/discovery/znode.js';
import { startDemo } from '../helpers/demo-process.js';
import { listNamespace, zkSession } from '../helpers/zk-inspect.js';
import { freePort, startZooKeeper } from '../helpers/zookeeper.js';

/** The demo with --zookeeper, leader moves every 3 s. */
function startZkDemo(zookeeper: string) {
  return startDemo(['--port', '0', '--admin', 'off', '--zookeeper', zookeeper, '--move-every-ms', '3000', '--interval-ms', '400']);
}

function expectCleanSummary(lines: string[]): void {
  const summary = lines.findIndex((l) => /^summary after \d+ s: \d+ failover\(s\) seen by the router$/.test(l));
  expect(summary).toBeGreaterThan(0);
  expect(lines[summary + 1]).toMatch(/^ {2}queries: \d+ \(\d+ failed\); session cut and reopened: \d+ time\(s\)$/);
  expect(lines.filter((l) => l.length > 80)).toEqual([]);
}

describe('livy-router demo --zookeeper (the real command, a real ZooKeeper)', () => {
  it('registers the router; the clients find it through ZooKeeper, also after a failover; SIGINT removes the znode and exits 0', async () => {
    const zkServer = await startZooKeeper();
    const demo = startZkDemo(zkServer.connect);
    await demo.line(/^ {2}zk {7}127\.0\.0\.1:\d+: router registered in \/livy-router; each client$/, 'the registered line', 15_000);
    const routerPort = Number(/:(\d+)\/default$/.exec(await demo.line(/^ {2}router {3}jdbc:hive2:/, 'the router line'))![1]);
    // What the clients found is this router's znode, with the driver's reading of its data.
    const zk = zkSession(zkServer.connect);
    const [child] = await listNamespace(zk, 'livy-router');
    expect(Number(parseZnodeData(child!.data).get('hive.server2.thrift.port'))).toBe(routerPort);

    await demo.line(/ query {4}zk livy-1 +\d+ ms$/, 'a query answered through ZooKeeper');
    await demo.line(/ session {2}zk livy-1 +\d+ ms/, 'a session opened through ZooKeeper');
    // The first move of the leader: the session is cut and reopened, looked up again.
    await demo.line(/ session {2}zk livy-2 +\d+ ms {3}REOPENED, \d+ ms after the cut$/, 'the session reopened through ZooKeeper', 10_000);
    expect(demo.lines.filter((l) => / (query|session) {2,4}livy-/.test(l))).toEqual([]);

    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(demo.stderr()).toBe('');
    expectCleanSummary(demo.lines);
    expect(await listNamespace(zk, 'livy-router')).toEqual([]);
  });

  it('ZooKeeper unreachable: says so, the clients connect directly; SIGINT exits 0', async () => {
    const demo = startZkDemo(`127.0.0.1:${await freePort()}`);
    await demo.line(/^ {2}zk {7}ZooKeeper 127\.0\.0\.1:\d+ UNREACHABLE \(no connection within 3 s\):$/, 'the unreachable line');
    await demo.line(/^ {11}the clients connect directly; the router keeps trying to register$/, 'the fallback line');
    await demo.line(/ query {4}livy-1 +\d+ ms$/, 'a direct query');
    await demo.line(/ session {2}livy-1 +\d+ ms/, 'a direct session');
    expect(demo.lines.filter((l) => / zk livy-/.test(l))).toEqual([]);

    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(demo.stderr()).toBe('');
    expectCleanSummary(demo.lines);
  });
});
