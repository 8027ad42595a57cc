// A real client (hive-driver, directly and through sim/hive-client.ts) against sim nodes in
// every transport the simulator speaks.
import { beforeAll, describe, expect, test } from 'vitest';
import hive from 'hive-driver';
import type { SimCluster } from '../../sim/cluster.js';
import { startSimCluster } from '../helpers/sim.js';
import { HiveAuthError, HiveStatusError, openHiveSession, queryNode, runQuery, type HiveTarget } from '../../sim/hive-client.js';
import { tlsFixture } from '../helpers/tls.js';

const fixture = tlsFixture();
const users = { alice: 'secret' };
let cluster: SimCluster;

beforeAll(async () => {
  // One leader per transport flavour: every node here is the leader of its own one-node cluster
  // in spirit, so they are all promoted after start.
  cluster = await startSimCluster({
    nodes: [
      { name: 'plain', users },
      { name: 'open' },
      { name: 'nosasl', auth: 'nosasl' },
      { name: 'http', transport: 'http' },
      { name: 'http-auth', transport: 'http', users },
      { name: 'tls', tls: fixture, users },
      { name: 'https', transport: 'http', tls: fixture, httpPath: 'custom/path' },
    ],
  });
  for (const node of cluster.nodes) node.setRole('leader');
  await cluster.settled();
});

function target(name: string, extra: Partial<HiveTarget> = {}): HiveTarget {
  const node = cluster.node(name);
  return {
    host: node.host,
    port: node.thriftPort,
    transport: node.options.transport,
    auth: node.options.auth === 'nosasl' ? 'nosasl' : 'plain',
    timeoutMs: 15_000,
    ...extra,
  };
}

function expectRange(rows: Record<string, unknown>[], n: number): void {
  expect(rows).toHaveLength(n);
  for (const i of [0, 1, Math.floor(n / 2), n - 1]) {
    expect(rows[i]).toEqual({ id: i, label: `row-${i}` });
  }
  // Every id in order, without building a second array of n rows.
  let inOrder = true;
  for (let i = 0; i < n; i += 1) if (rows[i]?.id !== i) inOrder = false;
  expect(inOrder).toBe(true);
}

describe('hive-driver directly', () => {
  test('binary SASL PLAIN with its default fetch size of 100 rows', async () => {
    const { TCLIService, TCLIService_types } = hive.thrift;
    const client = new hive.HiveClient(TCLIService, TCLIService_types);
    client.on('error', () => undefined);
    const utils = new hive.HiveUtils(TCLIService_types);
    try {
      await client.connect(
        { host: '127.0.0.1', port: cluster.node('plain').thriftPort },
        new hive.connections.TcpConnection(),
        new hive.auth.PlainTcpAuthentication({ username: 'alice', password: 'secret' }),
      );
      const session = await client.openSession({
        client_protocol: TCLIService_types.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10,
      });
      const info = await session.getInfo(TCLIService_types.TGetInfoType.CLI_SERVER_NAME);
      expect(info.getValue()).toBe('Livy-sim plain');
      // Synchronous execution (hive-driver's default): FINISHED as soon as it returns.
      const op = await session.executeStatement('select * from RANGE(1234);');
      await utils.waitUntilReady(op, false);
      await utils.fetchAll(op);
      expectRange(utils.getResult(op).getValue() as Record<string, unknown>[], 1234);
      await op.close();
      await session.close();
    } finally {
      client.close();
    }
  });
});

describe('through hive-client', () => {
  test('SASL PLAIN: SELECT node, GetInfo, 100 000 rows', async () => {
    const session = await openHiveSession(target('plain', { user: 'alice', password: 'secret' }));
    try {
      expect((await session.query('SELECT node')).rows).toEqual([{ node: 'plain' }]);
      expect(await session.getInfo(13)).toBe('Livy-sim plain');
      expect(await session.getInfo(18)).toBe('0.8.0-sim');
      expectRange((await session.query('SELECT * FROM range(100000)')).rows, 100_000);
    } finally {
      await session.close();
    }
    expect(await session.closed).toEqual({ reason: 'client-closed' });
  });

  test('SASL PLAIN: a wrong password gets "Error validating the login"', async () => {
    const failure = await runQuery(target('plain', { user: 'alice', password: 'nope' }), 'SELECT node').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(HiveAuthError);
    expect((failure as Error).message).toContain('Error validating the login');
  });

  test('SASL PLAIN without users accepts anonymous', async () => {
    expect(await queryNode(target('open'))).toBe('open');
  });

  test('NOSASL: 100 000 rows', async () => {
    const { rows } = await runQuery(target('nosasl'), 'SELECT * FROM range(100000)');
    expectRange(rows, 100_000);
  });

  test('HTTP without Authorization, and with Basic', async () => {
    expect(await queryNode(target('http', { auth: 'nosasl' }))).toBe('http');
    expectRange((await runQuery(target('http', { user: 'bob', password: 'x' }), 'SELECT * FROM range(100000)')).rows, 100_000);
  });

  test('HTTP with users: Basic checked, 401 otherwise', async () => {
    expect(await queryNode(target('http-auth', { user: 'alice', password: 'secret' }))).toBe('http-auth');
    const failure = await queryNode(target('http-auth', { user: 'alice', password: 'bad' })).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(HiveAuthError);
    const none = await queryNode(target('http-auth', { auth: 'nosasl' })).catch((err: unknown) => err);
    expect(none).toBeInstanceOf(HiveAuthError);
  });

  test('TLS binary (certificate verified against the fixture)', async () => {
    const tls = { ca: fixture.ca, servername: 'localhost' };
    expect(await queryNode(target('tls', { user: 'alice', password: 'secret', tls }))).toBe('tls');
    expectRange((await runQuery(target('tls', { user: 'alice', password: 'secret', tls }), 'SELECT * FROM range(100000)')).rows, 100_000);
  });

  test('TLS HTTP on a custom path', async () => {
    const tls = { ca: fixture.ca, servername: 'localhost' };
    expect(await queryNode(target('https', { tls, httpPath: 'custom/path' }))).toBe('https');
  });

  test('SELECT sleep(300) answers after 300 ms; unknown SQL is an error status', async () => {
    const session = await openHiveSession(target('nosasl'));
    try {
      const { rows, ms } = await session.query('SELECT sleep(300)');
      expect(rows).toEqual([{ slept_ms: '300' }]);
      expect(ms).toBeGreaterThanOrEqual(290);
      const failure = await session.query('DROP TABLE x').catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(HiveStatusError);
      expect((failure as Error).message).toContain('does not support');
      // The session still works after a failed statement.
      expect((await session.query('select node;')).rows).toEqual([{ node: 'nosasl' }]);
    } finally {
      await session.close();
    }
  });
});
