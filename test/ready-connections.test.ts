import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { queryNode } from '../sim/hive-client.js';
import { onStop } from './helpers/registry.js';
import { startTestRouter, testConfig } from './helpers/router.js';
import { openHiveSession, startSimCluster } from './helpers/sim.js';
import { adminStatus, metric, metrics } from './ops/helpers.js';

/**
 * Ready connections (issue 22): connected sockets to the active node that a client with a complete
 * first message takes instead of dialling. They go only to the active, are emptied and refilled
 * when it changes, and a taken one that fails before the node spoke is retried on a fresh dial.
 */
const READY = 3;

async function setup() {
  const cluster = await startSimCluster({ nodes: ['a', 'b', 'c'].map((name) => ({ name })), active: 'a' });
  const nodes = cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort, restPort: n.restPort }));
  const { service, port } = await startTestRouter(nodes, {
    health: { intervalMs: 200 },
    readyConnections: { count: READY },
    admin: { enabled: true, host: '127.0.0.1', port: 0 },
  });
  const admin = service.adminAddress!.port;
  await expect.poll(async () => (await adminStatus(admin)).readyConnections, { timeout: 3000 }).toMatchObject({ node: 'a', ready: READY });
  return { cluster, service, port, admin };
}

describe('ready connections', () => {
  it('are held to the active only; a client takes one and a replacement is dialled', async () => {
    const { cluster, port, admin } = await setup();
    // The node's accept callback may run after the router saw the connect.
    await expect.poll(() => cluster.node('a').stats.openConnections, { timeout: 2000 }).toBe(READY);
    expect(cluster.node('b').stats.connectionsAccepted + cluster.node('c').stats.connectionsAccepted).toBe(0);

    expect(await queryNode({ host: '127.0.0.1', port, timeoutMs: 5000 })).toBe('a');
    const s = await adminStatus(admin);
    expect(s.readyConnections.taken).toBe(1);
    expect(s.readyConnections.retried).toBe(0);
    // The taken one served that client and is closed with it; the set is full again.
    await expect.poll(async () => (await adminStatus(admin)).readyConnections.ready, { timeout: 2000 }).toBe(READY);
    expect(cluster.node('b').stats.connectionsAccepted + cluster.node('c').stats.connectionsAccepted).toBe(0);
  });

  it('failover: dropped at once on the old active, refilled on the new one, no new connection fails', async () => {
    const { cluster, service, port, admin } = await setup();
    // A new connection is one that gets its OpenSession answered; its first query names the node. A
    // session committed on `a` just before the move is closed by the failover (onActiveLost: close):
    // that is the old active's connection, counted apart, not a failed new one.
    const opened: string[] = [];
    const failedNew: string[] = [];
    let cutByFailover = 0;
    let stop = false;
    const clients = (async () => {
      const until = Date.now() + 6000;
      for (let i = 0; i < 200 && !stop && Date.now() < until; i++) {
        const h = await openHiveSession({ host: '127.0.0.1', port, timeoutMs: 8000 }).catch((err: Error) => void failedNew.push(err.message));
        if (!h) continue;
        const node = await h.query('SELECT node', { timeoutMs: 5000 }).then(
          (r) => String(r.rows[0]?.node),
          () => undefined,
        );
        if (node === undefined) cutByFailover++;
        else opened.push(node);
        await h.close();
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    cluster.setActive('b');
    await expect.poll(() => service.router.cluster.active()?.config.name, { timeout: 3000 }).toBe('b');
    await expect.poll(async () => (await adminStatus(admin)).readyConnections, { timeout: 3000 }).toMatchObject({ node: 'b', ready: READY });
    // Nothing of the set is left on the old active (the clients' own sessions there were closed too).
    await expect.poll(() => cluster.node('a').stats.openConnections, { timeout: 2000 }).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await clients;
    const s = await adminStatus(admin);
    console.info(
      `failover with ready connections: ${opened.length + cutByFailover} new connections, ${failedNew.length} failed, ` +
        `${cutByFailover} committed on a and cut by the failover; ${JSON.stringify(s.readyConnections)}`,
    );
    expect(failedNew).toEqual([]);
    expect(opened).toContain('a');
    expect(opened.at(-1)).toBe('b');
    expect(s.readyConnections.dropped).toBeGreaterThanOrEqual(READY);
    // Passive c never saw a connection of the set or of a client.
    expect(cluster.node('c').stats.connectionsAccepted).toBe(0);
  });
});

describe('a reload changes the number of ready connections at once', () => {
  it('count 3 -> 1 closes two, 1 -> 5 dials four', async () => {
    const { cluster, service, admin } = await setup();
    const nodes = cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort, restPort: n.restPort }));
    const withCount = (count: number) =>
      testConfig(nodes, { health: { intervalMs: 200 }, readyConnections: { count }, admin: { enabled: true, host: '127.0.0.1', port: 0 } });
    await service.reconfigure(withCount(1));
    expect((await adminStatus(admin)).readyConnections.ready).toBe(1);
    await expect.poll(() => cluster.node('a').stats.openConnections, { timeout: 2000 }).toBe(1);
    await service.reconfigure(withCount(5));
    await expect.poll(async () => (await adminStatus(admin)).readyConnections.ready, { timeout: 2000 }).toBe(5);
  });
});

describe('ready connections are replaced before the node would time them out', () => {
  it('maxAgeMs 300: unused ones are closed and replaced, the node never holds more than the set', async () => {
    const cluster = await startSimCluster({ nodes: [{ name: 'a' }], active: 'a' });
    const { service } = await startTestRouter([{ name: 'a', port: cluster.node('a').thriftPort, restPort: cluster.node('a').restPort }], {
      health: {},
      readyConnections: { count: 2, maxAgeMs: 300 },
      admin: { enabled: true, host: '127.0.0.1', port: 0 },
    });
    const admin = service.adminAddress!.port;
    await expect.poll(async () => (await adminStatus(admin)).readyConnections.expired, { timeout: 3000 }).toBeGreaterThanOrEqual(4);
    const s = await adminStatus(admin);
    expect(s.readyConnections).toMatchObject({ node: 'a', taken: 0, failed: 0 });
    expect(s.readyConnections.ready).toBeLessThanOrEqual(2);
    // Expired ones are closed, not left open beside their replacements (the node sees a close a
    // moment after the router makes it, so look again if a replacement arrived first).
    await expect.poll(() => cluster.node('a').stats.openConnections, { timeout: 2000 }).toBeLessThanOrEqual(2);
  });
});

describe('a ready connection that fails before the node spoke', () => {
  it('is retried once on a fresh dial to the same node: no rejection recorded, no hold, the client gets its session', async () => {
    const cluster = await startSimCluster({ nodes: [{ name: 'a' }], active: 'a' });
    const real = cluster.node('a').thriftPort;
    // A node in front of the simulated one that resets the next `killNext` connections on their first bytes.
    let killNext = 0;
    const front = net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', (first: Buffer) => {
        if (killNext > 0) {
          killNext--;
          s.resetAndDestroy();
          return;
        }
        const up = net.connect(real, '127.0.0.1');
        up.on('error', () => s.destroy());
        s.on('close', () => up.destroy());
        up.on('close', () => s.destroy());
        up.write(first);
        s.pipe(up);
        up.pipe(s);
      });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    onStop(() => new Promise<void>((r) => front.close(() => r())));
    const frontPort = (front.address() as net.AddressInfo).port;
    const { service, port } = await startTestRouter([{ name: 'a', port: frontPort }], {
      readyConnections: { count: 2 },
      admin: { enabled: true, host: '127.0.0.1', port: 0 },
    });
    const admin = service.adminAddress!.port;
    // No checks: the first client's commit makes `a` active, and the set fills after it.
    expect(await queryNode({ host: '127.0.0.1', port, timeoutMs: 5000 })).toBe('a');
    await expect.poll(async () => (await adminStatus(admin)).readyConnections.ready, { timeout: 2000 }).toBe(2);

    killNext = 1;
    expect(await queryNode({ host: '127.0.0.1', port, timeoutMs: 5000 })).toBe('a');
    const s = await adminStatus(admin);
    expect(s.readyConnections).toMatchObject({ taken: 1, retried: 1 });
    expect(s.connections.held).toBe(0);
    expect(service.router.cluster.get('a')?.state).toBe('active');
    expect(metric(await metrics(admin), 'livy_router_dial_rejections_total')).toBe(0);
  });
});
