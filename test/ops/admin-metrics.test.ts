import { beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.js';
import { queryNode, runQuery } from '../../sim/hive-client.js';
import { openHiveSession, startSimCluster } from '../helpers/sim.js';
import type { Service } from '../../src/service.js';
import net from 'node:net';
import { startTestRouter, testConfig, type LogLine } from '../helpers/router.js';
import { eventually } from '../helpers/eventually.js';
import { tryConnect } from '../helpers/net.js';
import { adminGet, adminStatus, metric, metrics } from './helpers.js';

/**
 * The admin endpoint of an in-process router in front of a simulated cluster, with a real
 * client (hive-driver). Health checks are off, so every state change here comes from real client
 * connections and the numbers are exact.
 */
describe('status, metrics and readiness follow real traffic and failovers', () => {
  let sim: SimCluster;
  let service: Service;
  let port: number;
  let admin: number;
  let lines: LogLine[];
  const target = () => ({ host: '127.0.0.1', port, timeoutMs: 5000 });

  beforeAll(async () => {
    sim = await startSimCluster({
      nodes: [
        { name: 'a', passiveStyle: 'sasl-bad' },
        { name: 'b', passiveStyle: 'sasl-bad' },
      ],
      active: 'a',
    });
    const nodes = sim.nodes.map((n) => ({ name: n.name, port: n.thriftPort, restPort: n.restPort }));
    ({ service, port, lines } = await startTestRouter(nodes, { admin: { host: '127.0.0.1', port: 0 }, holdMs: 0 }));
    admin = service.adminAddress!.port;
  });

  it('answers /healthz always and /readyz only once an active node is known', async () => {
    expect(await adminGet(admin, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    const notReady = await adminGet(admin, '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatch(/no active Livy node known/);
    expect((await adminStatus(admin)).active).toBeNull();
    expect((await adminGet(admin, '/nope')).status).toBe(404);
  });

  it('counts a real query: connections by node and transport, bytes each way, one log line per connection', async () => {
    expect(await queryNode(target())).toBe('a');
    const closed = await eventually(() => lines.find((l) => l.msg === 'connection closed'), { what: 'the connection closed log line' });
    expect(closed).toMatchObject({ node: 'a', transport: 'sasl', user: 'anonymous', heldMs: 0, reason: expect.any(String) });
    expect(closed.client).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(closed.bytesFromClient).toBeGreaterThan(100);
    expect(closed.bytesToClient).toBeGreaterThan(100);
    expect(closed.durationMs).toBeGreaterThanOrEqual(0);

    const text = await metrics(admin);
    expect(metric(text, 'livy_router_connections_opened_total', { node: 'a', transport: 'sasl' })).toBe(1);
    expect(metric(text, 'livy_router_connections_closed_total', { node: 'a', transport: 'sasl' })).toBe(1);
    expect(metric(text, 'livy_router_connections_open', { node: 'a' })).toBe(0);
    expect(metric(text, 'livy_router_bytes_from_client_total', { node: 'a' })).toBe(closed.bytesFromClient);
    expect(metric(text, 'livy_router_bytes_to_client_total', { node: 'a' })).toBe(closed.bytesToClient);
    expect(metric(text, 'livy_router_dial_attempts_total', { node: 'a' })).toBe(1);
    expect(metric(text, 'livy_router_active_node', { node: 'a' })).toBe(1);
    expect(metric(text, 'livy_router_active_node', { node: 'b' })).toBe(0);
    expect(metric(text, 'livy_router_node_state', { node: 'b', state: 'unknown' })).toBe(1);
    expect(metric(text, 'livy_router_failovers_total')).toBe(0);
    expect(text).toMatch(/^livy_router_process_resident_memory_bytes /m);
    expect((await adminGet(admin, '/readyz')).status).toBe(200);
  });

  it('shows an open connection per node in /status and in the open gauge', async () => {
    const session = await openHiveSession(target());
    try {
      await session.query('SELECT node');
      const status = await adminStatus(admin);
      expect(status.active).toBe('a');
      expect(status.connections.open).toBe(1);
      expect(status.nodes.map((n) => [n.name, n.state, n.connections])).toEqual([
        ['a', 'active', 1],
        ['b', 'unknown', 0],
      ]);
      expect(status.nodes[0]!.reason).toBe('answered a client OpenSession with success');
      expect(status.listeners).toEqual([{ address: `127.0.0.1:${port}`, transport: 'auto' }]);
      expect(metric(await metrics(admin), 'livy_router_connections_open', { node: 'a', transport: 'sasl' })).toBe(1);
    } finally {
      await session.close();
    }
    await eventually(async () => ((await adminStatus(admin)).connections.open === 0 ? true : undefined), { what: 'the connection to be gone' });
  });

  it('counts a failover, the rejection met on the way, and moves the active gauge', async () => {
    sim.setActive('b');
    await sim.settled();
    expect(await queryNode(target())).toBe('b');
    const status = await adminStatus(admin);
    expect(status.active).toBe('b');
    // a's refusal alone changed nothing; b proving itself active took the role from a.
    const a = status.nodes.find((n) => n.name === 'a')!;
    expect(a.state).toBe('unknown');
    expect(a.reason).toBe('node b is active now');
    const text = await metrics(admin);
    expect(metric(text, 'livy_router_failovers_total')).toBe(1);
    expect(metric(text, 'livy_router_dial_rejections_total', { node: 'a', reason: 'handshake-rejected' })).toBe(1);
    expect(metric(text, 'livy_router_active_node', { node: 'a' })).toBe(0);
    expect(metric(text, 'livy_router_active_node', { node: 'b' })).toBe(1);
    expect(metric(text, 'livy_router_node_state_changes_total', { node: 'b', to: 'active' })).toBe(1);
  });

  it('flips /readyz to 503 while no node is active, and back when one is', async () => {
    // Without checks, only connects refused DIAL_FALL (2) times in a row take the active away.
    await sim.node('b').kill();
    await expect(runQuery(target(), 'SELECT node')).rejects.toThrow();
    await expect(runQuery(target(), 'SELECT node')).rejects.toThrow();
    const down = await adminGet(admin, '/readyz');
    expect(down.status).toBe(503);
    expect(down.body).toMatch(/no active Livy node known/);
    const status = await adminStatus(admin);
    expect(status.active).toBeNull();
    expect(status.nodes.map((n) => n.state)).toEqual(['unknown', 'down']);
    const text = await metrics(admin);
    expect(metric(text, 'livy_router_no_node_accepted_total')).toBe(2);
    expect(metric(text, 'livy_router_active_node')).toBe(0);

    await sim.node('b').restart();
    sim.setActive('a');
    await sim.settled();
    expect(await queryNode(target())).toBe('a');
    expect((await adminGet(admin, '/readyz')).status).toBe(200);
    expect(metric(await metrics(admin), 'livy_router_failovers_total')).toBe(2);
  });

  it('/status shows no check results without a monitor; the latency histogram counts what a monitor reports', async () => {
    const at = Date.now();
    service.metrics.checkCompleted({ node: 'a', at, latencyMs: 3, result: 'active' });
    service.metrics.checkCompleted({ node: 'b', at, latencyMs: 7, result: 'passive' });
    // /status reads the health monitor (the owner of check results), and none runs here.
    const status = await adminStatus(admin);
    expect(status.nodes.map((n) => n.lastCheck)).toEqual([null, null]);
    const text = await metrics(admin);
    expect(metric(text, 'livy_router_health_check_duration_seconds_count', { node: 'b', result: 'passive' })).toBe(1);
    expect(metric(text, 'livy_router_health_check_duration_seconds_bucket', { node: 'a', le: '0.005' })).toBe(1);
  });
});

describe('a reload that moves the admin endpoint', () => {
  it('rebinds it, and refuses (keeping the old one) when the new address is taken', async () => {
    const nodes = [{ name: 'a', port: 1 }];
    const { service } = await startTestRouter(nodes, { admin: { host: '127.0.0.1', port: 0 } });
    const blocker = net.createServer();
    blocker.on('error', () => {});
    try {
      const first = service.adminAddress!.port;
      await service.reconfigure(testConfig(nodes, { admin: { host: '127.0.0.1', port: 0 }, log: { level: 'warn' } }));
      expect(service.adminAddress!.port).toBe(first); // unchanged settings: not rebound

      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
      const taken = (blocker.address() as net.AddressInfo).port;
      await expect(service.reconfigure(testConfig(nodes, { admin: { host: '127.0.0.1', port: taken } }))).rejects.toMatchObject({ code: 'LR_ADMIN_BIND' });
      expect((await adminGet(service.adminAddress!.port, '/healthz')).status).toBe(200);

      await service.reconfigure(testConfig([...nodes, { name: 'b', port: 2 }], { admin: { enabled: false } }));
      expect(service.adminAddress).toBeUndefined();
      expect(service.router.cluster.all().map((n) => n.config.name)).toEqual(['a', 'b']);
      expect(await tryConnect(first)).toBe('ECONNREFUSED');
    } finally {
      await new Promise((r) => blocker.close(r));
      await service.stop(0);
    }
  });
});
