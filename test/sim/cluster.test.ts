// Cluster behaviour a router depends on: REST health and redirects, leader moves, kill/restart
// on the same ports, hang (SIGSTOP-like), and nothing left open after close().
import { describe, expect, test } from 'vitest';
import thrift from 'thrift';
import hive from 'hive-driver';
import type { SimCluster } from '../../sim/cluster.js';
import { HiveConnectionLostError, HiveTimeoutError, queryNode, type HiveTarget } from '../../sim/hive-client.js';
import { eventually } from '../helpers/eventually.js';
import { openHiveSession, startSimCluster as start } from '../helpers/sim.js';
import { delay, httpCall, rawTalk } from './helpers.js';

const at = (c: SimCluster, name: string, timeoutMs = 3000): HiveTarget => {
  const node = c.node(name);
  return { host: node.host, port: node.thriftPort, transport: node.options.transport, auth: node.options.auth === 'nosasl' ? 'nosasl' : 'plain', timeoutMs };
};

describe('REST port', () => {
  test('/ha-status, 307 to the leader, leader JSON, no leader', async () => {
    const c = await start({ nodes: [{ name: 'a' }, { name: 'b' }] });
    const a = c.node('a');
    const b = c.node('b');
    const leader = await httpCall(`${a.restUrl}/ha-status`);
    expect(leader.status).toBe(200);
    expect(JSON.parse(leader.body.toString())).toEqual({ status: 'leader' });
    const follower = await httpCall(`${b.restUrl}/ha-status`);
    expect(follower.status).toBe(503);
    expect(JSON.parse(follower.body.toString())).toEqual({ status: 'follower' });

    const redirect = await httpCall(`${b.restUrl}/sessions?from=0`);
    expect(redirect.status).toBe(307);
    expect(redirect.headers.location).toBe(`${a.restUrl}/sessions?from=0`);
    const sessions = await httpCall(`${a.restUrl}/sessions`);
    expect(sessions.status).toBe(200);
    expect(JSON.parse(sessions.body.toString())).toEqual({ from: 0, total: 0, sessions: [] });

    c.setActive(null);
    expect(c.active()).toBeUndefined();
    expect((await httpCall(`${a.restUrl}/ha-status`)).status).toBe(503);
    expect((await httpCall(`${b.restUrl}/sessions`)).status).toBe(503);
  });

  test('POST /_sim/role steers a node', async () => {
    const c = await start({ nodes: [{ name: 'a' }], active: null });
    const a = c.node('a');
    const set = await httpCall(`${a.restUrl}/_sim/role?role=leader`, { method: 'POST' });
    expect(set.status).toBe(204);
    expect(a.role).toBe('leader');
    expect((await httpCall(`${a.restUrl}/ha-status`)).status).toBe(200);
    expect((await httpCall(`${a.restUrl}/_sim/role?role=boss`, { method: 'POST' })).status).toBe(400);
  });
});

describe('leadership', () => {
  test('setActive moves the leader; the old leader drops its connections', async () => {
    const c = await start({ nodes: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] });
    expect(c.active()?.name).toBe('a');
    expect(await queryNode(at(c, 'a'))).toBe('a');
    const session = await openHiveSession(at(c, 'a'));
    expect(c.node('a').stats.openSessions).toBe(1);

    c.setActive('b');
    expect(c.nodes.filter((n) => n.role === 'leader').map((n) => n.name)).toEqual(['b']);
    const info = await session.closed;
    expect(info.reason).toBe('connection-lost');
    expect(c.node('a').stats.openSessions).toBe(0);
    expect(await queryNode(at(c, 'b'))).toBe('b');
    await expect(queryNode(at(c, 'a'))).rejects.toThrow(/not active/);
    await session.close();
  });

  test('keepConnectionsOnDemote keeps a demoted leader serving its open sessions', async () => {
    const c = await start({ nodes: [{ name: 'a', keepConnectionsOnDemote: true }, { name: 'b' }] });
    const session = await openHiveSession(at(c, 'a'));
    try {
      c.setActive('b');
      expect((await session.query('SELECT node')).rows).toEqual([{ node: 'a' }]);
      await expect(queryNode(at(c, 'a'))).rejects.toThrow(/not active/);
    } finally {
      await session.close();
    }
  });

  test("a 'refuse' follower reopens the same port when promoted", async () => {
    const c = await start({
      nodes: [
        { name: 'a', passiveStyle: 'refuse' },
        { name: 'b', passiveStyle: 'refuse' },
      ],
    });
    const portA = c.node('a').thriftPort;
    const portB = c.node('b').thriftPort;
    expect((await rawTalk(portB, undefined, 1000)).errorCode).toBe('ECONNREFUSED');
    c.setActive('b');
    await c.settled();
    expect(c.node('b').thriftPort).toBe(portB);
    expect(await queryNode(at(c, 'b'))).toBe('b');
    expect((await rawTalk(portA, undefined, 1000)).errorCode).toBe('ECONNREFUSED');
    c.setActive('a');
    await c.settled();
    expect(c.node('a').thriftPort).toBe(portA);
    expect(await queryNode(at(c, 'a'))).toBe('a');
  });
});

describe('kill, restart, hang', () => {
  test('kill refuses both ports and cuts sessions; restart binds the same ports', async () => {
    const c = await start({ nodes: [{ name: 'a' }, { name: 'b' }] });
    const a = c.node('a');
    const { thriftPort, restPort } = a;
    const session = await openHiveSession(at(c, 'a'));
    const inFlight = session.query('SELECT sleep(5000)').catch((err: unknown) => err);
    await eventually(() => a.stats.executeCalls > 0, { what: 'the query to reach the node' });
    const killedAt = Date.now();
    await a.kill();
    expect(a.alive).toBe(false);
    expect(await inFlight).toBeInstanceOf(HiveConnectionLostError);
    expect(Date.now() - killedAt).toBeLessThan(1000);
    expect((await session.closed).reason).toBe('connection-lost');
    expect((await rawTalk(thriftPort, undefined, 1000)).errorCode).toBe('ECONNREFUSED');
    expect((await rawTalk(restPort, undefined, 1000)).errorCode).toBe('ECONNREFUSED');

    await a.restart();
    expect(a.alive).toBe(true);
    expect(a.thriftPort).toBe(thriftPort);
    expect(a.restPort).toBe(restPort);
    expect(a.role).toBe('leader');
    expect(a.stats.openSessions).toBe(0);
    expect(await queryNode(at(c, 'a'))).toBe('a');
    await session.close();
  });

  test('sessions do not survive a restart: old handles are INVALID_HANDLE', async () => {
    const c = await start({ nodes: [{ name: 'a', auth: 'nosasl' }] });
    const a = c.node('a');
    const { TCLIService } = hive.thrift;
    interface RawClient {
      OpenSession(req: object): Promise<{ sessionHandle: object }>;
      ExecuteStatement(req: object): Promise<{ status: { statusCode: number; errorMessage?: string } }>;
    }
    const connect = (): { client: RawClient; conn: thrift.Connection } => {
      const conn = thrift.createConnection(a.host, a.thriftPort, {
        transport: thrift.TBufferedTransport,
        protocol: thrift.TBinaryProtocol,
      });
      conn.on('error', () => undefined);
      return { conn, client: thrift.createClient(TCLIService, conn) as RawClient };
    };
    const first = connect();
    const opened = await first.client.OpenSession({ client_protocol: 9 });
    first.conn.destroy();
    await a.restart();
    const second = connect();
    try {
      const resp = await second.client.ExecuteStatement({ sessionHandle: opened.sessionHandle, statement: 'SELECT node' });
      expect(resp.status.statusCode).toBe(4); // INVALID_HANDLE_STATUS
    } finally {
      second.conn.destroy();
    }
  });

  test('hang freezes Thrift and REST; unhang lets held work finish', async () => {
    const c = await start({ nodes: [{ name: 'a' }] });
    const a = c.node('a');
    const session = await openHiveSession(at(c, 'a'));
    a.hang();
    expect(a.hung).toBe(true);
    await expect(session.query('SELECT node', { timeoutMs: 300 })).rejects.toBeInstanceOf(HiveTimeoutError);
    // The kernel still accepts: a new connection gets no byte and is not closed.
    const raw = await rawTalk(a.thriftPort, Buffer.from([1, 0, 0, 0, 5]), 300);
    expect(raw).toMatchObject({ closedByPeer: false, errorCode: undefined });
    expect(raw.data.length).toBe(0);
    // Proving that no answer comes takes a fixed wait.
    const rest = await Promise.race([httpCall(`${a.restUrl}/ha-status`), delay(300).then(() => 'no answer')]);
    expect(rest).toBe('no answer');

    // Work started during the hang completes after unhang.
    const held = queryNode(at(c, 'a', 5000));
    // Time for the client to connect and send while the node is hung: nothing on a stopped node
    // can observe it, so this is a fixed wait.
    await delay(200);
    a.unhang();
    expect(await held).toBe('a');
    expect((await httpCall(`${a.restUrl}/ha-status`)).status).toBe(200);
    await session.close();
  });

  test('a hung leader that loses leadership cuts nothing until it is resumed', async () => {
    const c = await start({ nodes: [{ name: 'a' }, { name: 'b' }] });
    const session = await openHiveSession(at(c, 'a'));
    c.node('a').hang();
    c.setActive('b');
    // Proving that nothing happens takes a fixed wait.
    const early = await Promise.race([session.closed, delay(300).then(() => 'still open')]);
    expect(early).toBe('still open');
    c.node('a').unhang();
    expect((await session.closed).reason).toBe('connection-lost');
    await session.close();
  });

  test('close() leaves no handle open', async () => {
    const kinds = (): Record<string, number> => {
      const counts: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
      return counts;
    };
    // The previous test's sockets finish closing first.
    const before = await eventually(() => {
      const now = kinds();
      return now.TCPSocketWrap || now.TCPServerWrap ? undefined : now;
    });
    const c = await start({
      nodes: [{ name: 'a' }, { name: 'h', transport: 'http' }, { name: 'p', passiveStyle: 'hang' }],
    });
    c.node('h').setRole('leader');
    const session = await openHiveSession(at(c, 'a'));
    const pending = session.query('SELECT sleep(10000)').catch(() => undefined);
    expect(await queryNode(at(c, 'h'))).toBe('h');
    const hung = rawTalk(c.node('p').thriftPort, Buffer.from('x'), 200);
    c.node('a').hang();
    await c.close();
    await pending;
    await hung;
    await session.close();
    await expect.poll(kinds).toEqual(before);
  });
});
