// Two real router processes registered in a real ZooKeeper; clients find them the way Hive JDBC
// does (issue 14). kill -9 of one: its znode goes with its session, clients keep working.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lookupAndConnect } from '../../src/discovery/lookup.js';
import { parseZnodeData } from '../../src/discovery/znode.js';
import { queryNode } from '../../sim/hive-client.js';
import { eventually } from '../helpers/eventually.js';
import { onStop } from '../helpers/registry.js';
import { startRouterProcess } from '../helpers/router-process.js';
import { startSimCluster } from '../helpers/sim.js';
import { startZooKeeper } from '../helpers/zookeeper.js';
import { listNamespace, zkSession } from '../helpers/zk-inspect.js';
import { adminStatus } from '../ops/helpers.js';

const NS = 'routers';
const SESSION_MS = 4000;

function configFile(connect: string, namespace: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'livy-router-zkcfg-'));
  onStop(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'config.yaml');
  writeConfig(file, connect, namespace);
  return file;
}

function writeConfig(file: string, connect: string, namespace: string): void {
  writeFileSync(file, `discovery:\n  zookeeper:\n    connect: "${connect}"\n    namespace: ${namespace}\n    sessionTimeoutMs: ${SESSION_MS}\n`);
}

describe('two router processes in ZooKeeper (real ZooKeeper, real processes)', () => {
  it('both registered with their own address; lookup reaches the active through either; kill -9 of one: znode gone within the session timeout', async () => {
    const zkServer = await startZooKeeper();
    const cluster = await startSimCluster({ nodes: [{ name: 'livy-1', passiveStyle: 'sasl-bad' }, { name: 'livy-2' }], active: 'livy-2' });
    const nodes = cluster.nodes.flatMap((n) => ['--node', `${n.name}=127.0.0.1:${n.thriftPort},rest=${n.restPort}`]);
    const cfg = configFile(zkServer.connect, NS);
    const routers = [
      await startRouterProcess(['--config', cfg, ...nodes, '--admin', '127.0.0.1:0']),
      await startRouterProcess(['--config', cfg, ...nodes, '--admin', '127.0.0.1:0']),
    ];
    const zk = zkSession(zkServer.connect);
    const children = await eventually(
      async () => {
        const c = await listNamespace(zk, NS);
        return c.length === 2 ? c : undefined;
      },
      { what: 'two znodes', timeoutMs: 10_000 },
    );
    // Each znode carries its own router's address, read with the driver's expression.
    const ports = children.map((c) => Number(parseZnodeData(c.data).get('hive.server2.thrift.port'))).sort();
    expect(ports).toEqual(routers.map((r) => r.port).sort());
    for (const c of children) expect(c.name).toContain(`serverUri=127.0.0.1:${parseZnodeData(c.data).get('hive.server2.thrift.port')};`);

    // The lookup picks at random: force each router in turn with the random source.
    const reached = new Set<number>();
    for (const pick of [0, 0.99]) {
      const { value, target } = await lookupAndConnect({ connect: zkServer.connect, namespace: NS, random: () => pick }, (t) =>
        queryNode({ host: t.host, port: t.port, timeoutMs: 5000 }),
      );
      expect(value).toBe('livy-2');
      reached.add(target.port);
    }
    expect([...reached].sort()).toEqual(routers.map((r) => r.port).sort());
    const admin = Number(
      String(routers[0]!.lines.find((l) => l.msg === 'admin listening')?.address)
        .split(':')
        .pop(),
    );
    expect((await adminStatus(admin)).discovery).toMatchObject({ registered: true, cause: 'registered', namespace: NS, zookeeper: 'connected' });

    const killedAt = Date.now();
    routers[0]!.child.kill('SIGKILL');
    await eventually(async () => (await listNamespace(zk, NS)).length === 1, {
      what: "the killed router's znode gone",
      timeoutMs: SESSION_MS + 3000,
      intervalMs: 50,
    });
    const goneMs = Date.now() - killedAt;
    // The server expires sessions on tick boundaries: the timeout plus at most one tick (500 ms).
    expect(goneMs).toBeLessThan(SESSION_MS + 600);
    for (let i = 0; i < 3; i++) {
      const { value, target } = await lookupAndConnect({ connect: zkServer.connect, namespace: NS }, (t) =>
        queryNode({ host: t.host, port: t.port, timeoutMs: 5000 }),
      );
      expect(value).toBe('livy-2');
      expect(target.port).toBe(routers[1]!.port);
    }
  });

  it('SIGHUP applies a new namespace; SIGTERM removes the znode before draining', async () => {
    const zkServer = await startZooKeeper();
    const cluster = await startSimCluster({ nodes: [{ name: 'livy-1' }], active: 'livy-1' });
    const n = cluster.nodes[0]!;
    const cfg = configFile(zkServer.connect, 'before');
    const router = await startRouterProcess(['--config', cfg, '--node', `livy-1=127.0.0.1:${n.thriftPort},rest=${n.restPort}`, '--admin', 'off']);
    const zk = zkSession(zkServer.connect);
    await eventually(async () => (await listNamespace(zk, 'before')).length === 1, { what: 'registered under /before', timeoutMs: 10_000 });
    writeConfig(cfg, zkServer.connect, 'after');
    router.child.kill('SIGHUP');
    await eventually(async () => (await listNamespace(zk, 'after')).length === 1 && (await listNamespace(zk, 'before')).length === 0, {
      what: 'moved to /after',
    });
    const stopAt = Date.now();
    router.child.kill('SIGTERM');
    await eventually(async () => (await listNamespace(zk, 'after')).length === 0, { what: 'removed on SIGTERM', intervalMs: 10 });
    expect(Date.now() - stopAt).toBeLessThan(1000);
    expect(await router.exited).toBe(0);
  });
});
