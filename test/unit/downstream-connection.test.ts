import net from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { plainClientHello } from '../../sim/wire.js';
import type { ConnectionContext } from '../../src/listener/connection-context.js';
import { DownstreamConnection } from '../../src/listener/downstream-connection.js';
import { noopObserver } from '../../src/observe.js';
import { SessionRegistry } from '../../src/session/registry.js';
import { ClusterState } from '../../src/cluster/cluster-state.js';
import { Evidence } from '../../src/cluster/evidence.js';
import { NO_CHECKS } from '../../src/health/checks-view.js';
import { HoldQueue } from '../../src/cluster/hold-queue.js';
import { connectBulk, startBulkNode } from '../helpers/bulk-node.js';
import { eventually } from '../helpers/eventually.js';
import { exchange, freePort } from '../helpers/net.js';
import { onStop } from '../helpers/registry.js';
import { testConfig } from '../helpers/router.js';

const log = pino({ level: 'silent' });

/** One DownstreamConnection per accepted socket, on the router's real parts but no service around them. */
async function owner(nodes: Array<{ name: string; port: number }>): Promise<{ port: number; connections: DownstreamConnection[]; ctx: ConnectionContext }> {
  const config = testConfig(nodes, { holdMs: 0 });
  const cluster = new ClusterState(config.nodes, log);
  const registry = new SessionRegistry();
  const ctx: ConnectionContext = {
    hold: new HoldQueue(cluster),
    config: () => config,
    cluster,
    evidence: new Evidence({ cluster, checks: NO_CHECKS, log, observer: noopObserver }),
    ready: { take: () => undefined, retried: () => {} },
    registry,
    log,
    observer: noopObserver,
    handshakes: new Set(),
    nextId: () => 1,
  };
  const connections: DownstreamConnection[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    const conn = new DownstreamConnection(s, config.listeners[0]!, ctx);
    expect(conn.state).toBe('first-bytes');
    connections.push(conn);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onStop(async () => {
    registry.closeAll('test over');
    await new Promise<void>((r) => server.close(() => r()));
  });
  return { port: (server.address() as net.AddressInfo).port, connections, ctx };
}

describe('DownstreamConnection: one owner from accept to commit', () => {
  it('first-bytes -> trying -> committed; then the Session owns the sockets and it leaves the handshake set', async () => {
    const node = await startBulkNode();
    node.setAnswerDelay(200);
    const { port, connections, ctx } = await owner([{ name: 'n', port: node.port }]);
    const client = connectBulk(port);
    onStop(async () => (await client).socket.destroy());
    const conn = await eventually(() => connections[0]);
    await eventually(() => conn.state === 'trying', { what: 'the trial' });
    expect(ctx.handshakes.has(conn)).toBe(true);
    const { socket } = await client;
    expect(conn.state).toBe('committed');
    expect(ctx.handshakes.size).toBe(0);
    expect(ctx.registry.count('n')).toBe(1);
    expect(ctx.cluster.active()?.config.name).toBe('n');
    socket.destroy();
    await eventually(() => ctx.registry.count() === 0, { what: 'the session to end' });
  });

  it('no node: the client is refused in its protocol and the connection closes', async () => {
    const { port, connections, ctx } = await owner([{ name: 'gone', port: await freePort() }]);
    const { answer } = await exchange(port, plainClientHello());
    expect(answer[0]).toBe(0x04); // SASL ERROR
    expect(answer.subarray(5).toString()).toMatch(/^livy-router: no Livy node accepted the connection: gone 127\.0\.0\.1:\d+: connect failed/);
    expect(connections[0]!.state).toBe('closing');
    expect(ctx.handshakes.size).toBe(0);
  });
});
