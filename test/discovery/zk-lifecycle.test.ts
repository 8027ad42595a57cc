// ZooKeeper registration with a real ZooKeeper server and in-process routers: the lifecycle
// (issue 14). The two-process and kill -9 story is in zk-routers.test.ts.
import { describe, expect, it } from 'vitest';
import { lookupAndConnect } from '../../src/discovery/lookup.js';
import { parseZnodeData } from '../../src/discovery/znode.js';
import { queryNode } from '../../sim/hive-client.js';
import { eventually } from '../helpers/eventually.js';
import { startTestRouter } from '../helpers/router.js';
import { startSimCluster } from '../helpers/sim.js';
import { startZooKeeper } from '../helpers/zookeeper.js';
import { listNamespace, zkSession } from '../helpers/zk-inspect.js';

const NS = 'livy-router-test';

async function clusterAndRouter(connect: string, extra: Record<string, unknown> = {}) {
  const cluster = await startSimCluster({ nodes: [{ name: 'livy-1' }, { name: 'livy-2' }], active: 'livy-1' });
  const nodes = cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort, restPort: n.restPort }));
  const router = await startTestRouter(nodes, {
    health: { kind: 'ha-status' },
    discovery: { zookeeper: { connect, namespace: NS, sessionTimeoutMs: 4000 } },
    ...extra,
  });
  return { cluster, router };
}

describe('ZooKeeper registration lifecycle (real ZooKeeper)', () => {
  it("publishes HiveServer2's format with its own address; no active node: gone within 1 s, back within 1 s", async () => {
    const zkServer = await startZooKeeper();
    const { cluster, router } = await clusterAndRouter(zkServer.connect);
    const zk = zkSession(zkServer.connect);
    const [child] = await eventually(async () => ((await listNamespace(zk, NS)).length === 1 ? listNamespace(zk, NS) : undefined), { what: 'the znode' });
    const address = `127.0.0.1:${router.port}`;
    // The name as HiveServer2 writes it, and the data read with the driver's expression.
    expect(child!.name).toMatch(new RegExp(`^serverUri=${address.replace(/\./g, '\\.')};version=[^;]+;sequence=\\d{10}$`));
    const kv = parseZnodeData(child!.data);
    expect(Object.fromEntries(kv)).toEqual({
      'hive.server2.instance.uri': address,
      'hive.server2.thrift.bind.host': '127.0.0.1',
      'hive.server2.transport.mode': 'binary',
      'hive.server2.thrift.port': String(router.port),
      'hive.server2.authentication': 'NONE',
      'hive.server2.use.SSL': 'false',
    });
    const registered = await eventually(() => (router.service.registration()?.registered ? router.service.registration() : undefined), {
      what: 'status registered',
    });
    expect(registered).toMatchObject({ cause: 'registered', znode: `/${NS}/${child!.name}` });

    cluster.setActive(null);
    const lostAt = Date.now();
    await eventually(async () => (await listNamespace(zk, NS)).length === 0, { what: 'the znode removed', timeoutMs: 3000, intervalMs: 10 });
    const goneMs = Date.now() - lostAt;
    // The status follows once the router has the remove's answer (ZooKeeper applied it first).
    const absent = await eventually(() => (router.service.registration()?.cause === 'not-ready' ? router.service.registration() : undefined), {
      what: 'status not-ready',
    });
    expect(absent).toMatchObject({ registered: false, znode: null, reason: 'no active Livy node known' });

    cluster.setActive('livy-2');
    const backFrom = Date.now();
    await eventually(async () => (await listNamespace(zk, NS)).length === 1, { what: 'the znode back', timeoutMs: 3000, intervalMs: 10 });
    const backMs = Date.now() - backFrom;
    // Under 1 s each, health checks (200 ms interval, fall 2) included.
    expect(goneMs).toBeLessThan(1000);
    expect(backMs).toBeLessThan(1000);
    const { value, target } = await lookupAndConnect({ connect: zkServer.connect, namespace: NS }, (t) =>
      queryNode({ host: t.host, port: t.port, timeoutMs: 5000 }),
    );
    expect(value).toBe('livy-2');
    expect(target.port).toBe(router.port);
  });

  it('ZooKeeper killed and started again: registered exactly once within the session timeout', async () => {
    const zkServer = await startZooKeeper();
    const { router } = await clusterAndRouter(zkServer.connect);
    const zk0 = zkSession(zkServer.connect);
    await eventually(async () => (await listNamespace(zk0, NS)).length === 1, { what: 'registered' });
    await zk0.close();
    await zkServer.kill();
    await eventually(() => router.service.registration()?.cause === 'zookeeper-unreachable', { what: 'the router to see ZooKeeper gone' });
    await zkServer.start();
    const restartedAt = Date.now();
    const zk = zkSession(zkServer.connect);
    await eventually(async () => router.service.registration()?.registered && (await listNamespace(zk, NS)).length === 1, {
      what: 'one znode again',
      timeoutMs: 8000,
    });
    expect(Date.now() - restartedAt).toBeLessThan(4000 + 500);
    // And it stays one: no late duplicate from a lost create.
    await new Promise((r) => setTimeout(r, 1000));
    const children = await listNamespace(zk, NS);
    expect(children).toHaveLength(1);
    expect(children[0]!.data).toContain(`hive.server2.instance.uri=127.0.0.1:${router.port}`);
  });

  it('ZooKeeper unreachable at start: routes anyway, says why, registers once ZooKeeper is up', async () => {
    const zkServer = await startZooKeeper();
    await zkServer.kill();
    const { router } = await clusterAndRouter(zkServer.connect);
    expect(await queryNode({ host: '127.0.0.1', port: router.port, timeoutMs: 5000 })).toBe('livy-1');
    // Still not connected after a few rounds of attempts.
    await new Promise((r) => setTimeout(r, 1500));
    const status = router.service.registration();
    expect(status).toMatchObject({ registered: false, cause: 'zookeeper-unreachable', znode: null });
    expect(status?.reason).toContain(`not connected to ZooKeeper ${zkServer.connect}`);
    await zkServer.start();
    const zk = zkSession(zkServer.connect);
    await eventually(async () => (await listNamespace(zk, NS)).length === 1, { what: 'registered after ZooKeeper came up', timeoutMs: 8000 });
    expect(await eventually(() => router.service.registration()?.cause === 'registered', { what: 'status registered' })).toBe(true);
  });

  it('leaves foreign children of the namespace alone, and removes its own on stop', async () => {
    const zkServer = await startZooKeeper();
    const other = zkSession(zkServer.connect);
    await other.ensurePath(`/${NS}/foreign-persistent`, [{ perms: 'all', scheme: 'world', id: 'anyone' }]);
    await other.createEphemeralSequential(
      `/${NS}/serverUri=10.9.9.9:10000;version=3.1.3;sequence=`,
      'hive.server2.thrift.bind.host=10.9.9.9;hive.server2.thrift.port=10000',
      [{ perms: 'all', scheme: 'world', id: 'anyone' }],
    );
    const { cluster, router } = await clusterAndRouter(zkServer.connect);
    await eventually(async () => (await listNamespace(other, NS)).length === 3, { what: 'three children' });
    cluster.setActive(null);
    await eventually(async () => (await listNamespace(other, NS)).length === 2, { what: 'own znode removed' });
    cluster.setActive('livy-1');
    await eventually(async () => (await listNamespace(other, NS)).length === 3, { what: 'own znode back' });
    const stopAt = Date.now();
    await router.service.stop(0);
    expect(Date.now() - stopAt).toBeLessThan(1000);
    const left = await listNamespace(other, NS);
    expect(left).toHaveLength(2);
    expect(left.map((c) => c.name)).toContain('foreign-persistent');
    expect(left.some((c) => c.name.startsWith('serverUri=10.9.9.9:10000;'))).toBe(true);
    expect(router.service.registration()?.cause).toBe('stopped');
  });
});
