// A stop always ends (issue 17): after a reload that replaced the ZooKeeper client, stop() leaves
// no socket and no timer of the router behind, whether the client is still connecting to a server
// that does not answer or reconnecting after a ZooKeeper restart. In-process, so the event loop's
// own list of resources is the judge.
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startTestRouter, testConfig } from '../helpers/router.js';
import { startSimCluster } from '../helpers/sim.js';
import { freePort, startZooKeeper } from '../helpers/zookeeper.js';

type Counts = Record<string, number>;

function resources(): Counts {
  const counts: Counts = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** What `now` holds beyond `base`, by resource type; empty when nothing is left over. */
function leftOver(base: Counts, now: Counts): Counts {
  const extra: Counts = {};
  for (const [k, n] of Object.entries(now)) if (n > (base[k] ?? 0)) extra[k] = n - (base[k] ?? 0);
  return extra;
}

async function routerWithZk(connect: string) {
  const cluster = await startSimCluster({ nodes: [{ name: 'livy-1' }], active: 'livy-1' });
  const nodes = cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort, restPort: n.restPort }));
  const zk = (namespace: string) => ({ health: { kind: 'ha-status' }, discovery: { zookeeper: { connect, namespace, sessionTimeoutMs: 4000 } } });
  // The test's own servers are running from here on: they are the baseline.
  await new Promise((r) => setTimeout(r, 50));
  const base = resources();
  const router = await startTestRouter(nodes, zk('before'));
  const reload = (namespace: string) => router.service.reconfigure(testConfig(nodes, zk(namespace)));
  /** Resolves with what is left once stop() has resolved (socket handles close a tick later). */
  const stopAndCount = async (): Promise<Counts> => {
    await router.service.stop(0);
    let extra: Counts = {};
    await eventually(() => Object.keys((extra = leftOver(base, resources()))).length === 0, { what: 'no leftover', timeoutMs: 300, intervalMs: 10 }).catch(
      () => {},
    );
    return extra;
  };
  return { router, reload, stopAndCount };
}

describe('stop after a reload leaves nothing running (real ZooKeeper)', () => {
  it('ZooKeeper that refuses connections: the replaced client is connecting when the stop comes', async () => {
    const { router, reload, stopAndCount } = await routerWithZk(`127.0.0.1:${await freePort()}`);
    await new Promise((r) => setTimeout(r, 300));
    await reload('after');
    // Inside the library's reconnect loop (a spin delay of up to 1 s between rounds).
    await new Promise((r) => setTimeout(r, 400));
    expect(router.service.registration()).toMatchObject({ registered: false, cause: 'zookeeper-unreachable' });
    const startedAt = Date.now();
    expect(await stopAndCount()).toEqual({});
    expect(Date.now() - startedAt).toBeLessThan(3000);
  });

  it('a stop that arrives while a reload is replacing the client: no client is started after it', async () => {
    const { reload, stopAndCount } = await routerWithZk(`127.0.0.1:${await freePort()}`);
    const reloading = reload('after');
    const stopping = stopAndCount();
    // The reload either finished before the stop or was refused because of it; both are fine.
    await reloading.catch((err: Error) => expect(err.message).toContain('stopping'));
    expect(await stopping).toEqual({});
  });

  it('ZooKeeper restarted: the client is reconnecting when a reload and the stop come', async () => {
    const zkServer = await startZooKeeper();
    const { router, reload, stopAndCount } = await routerWithZk(zkServer.connect);
    await eventually(() => router.service.registration()?.registered, { what: 'registered', timeoutMs: 8000 });
    await zkServer.kill();
    await eventually(() => router.service.registration()?.cause === 'zookeeper-unreachable', { what: 'ZooKeeper seen gone' });
    const restarting = zkServer.start();
    await reload('after');
    await restarting;
    const startedAt = Date.now();
    expect(await stopAndCount()).toEqual({});
    expect(Date.now() - startedAt).toBeLessThan(3000);
  });
});
