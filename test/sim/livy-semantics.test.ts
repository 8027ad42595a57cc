// The simulator's Livy semantics (issue 19): sessions named and shared through a state store,
// per-session SparkSession state, managed applications, close-on-disconnect, handles per node,
// the reply-delay switch and the count of writes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { pino } from 'pino';
import { ReplyDelays } from '../../sim/delays.js';
import { createLivyStore, readExecutions } from '../../sim/livy-store.js';
import { SimService, type ServiceCounters } from '../../sim/service.js';
import { setReplyDelay } from '../../sim/spawn.js';
import { TStatusCode, type TResponse } from '../../sim/tcli.js';
import { openHiveSession, spawnSimNode } from '../helpers/sim.js';

const dirs: string[] = [];
function stateDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'livy-state-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function counters(): ServiceCounters {
  return { openSessionCalls: 0, sessionsOpened: 0, getInfoCalls: 0, executeCalls: 0, fetchCalls: 0, writeCalls: 0, applicationsStopped: 0 };
}

/** One node's service, its leader flag under the test's control. */
function node(name: string, dir: string): { service: SimService; leader: { value: boolean }; counters: ServiceCounters } {
  const leader = { value: true };
  const c = counters();
  const service = new SimService(
    { name, isLeader: () => leader.value, counters: c, store: createLivyStore(dir), delays: new ReplyDelays() },
    pino({ level: 'silent' }),
  );
  return { service, leader, counters: c };
}

type Handle = Record<string, unknown>;
async function call(service: SimService, method: string, req: Handle, connection?: object): Promise<TResponse> {
  const handler = connection ? service.handlerFor(connection) : service.handler;
  return handler[method]!(req);
}
async function open(service: SimService, conf: Record<string, string>, connection?: object): Promise<Handle> {
  const resp = await call(service, 'OpenSession', { client_protocol: 9, username: 'u', configuration: conf }, connection);
  expect(resp.status.statusCode, resp.status.errorMessage).toBe(TStatusCode.SUCCESS);
  return resp.sessionHandle as Handle;
}
/** Execute and fetch the first column of every row. */
async function run(service: SimService, sessionHandle: Handle, statement: string): Promise<{ status: TResponse['status']; values: unknown[]; op?: Handle }> {
  const exec = await call(service, 'ExecuteStatement', { sessionHandle, statement, runAsync: true });
  if (exec.status.statusCode !== TStatusCode.SUCCESS) return { status: exec.status, values: [] };
  const operationHandle = exec.operationHandle as Handle;
  const fetched = await call(service, 'FetchResults', { operationHandle, orientation: 0, maxRows: 100 });
  const columns = (fetched.results as { columns: { stringVal?: { values: unknown[] }; i64Val?: { values: unknown[] } }[] }).columns;
  const last = columns[columns.length - 1];
  return { status: exec.status, values: last?.stringVal?.values ?? last?.i64Val?.values ?? [], op: operationHandle };
}

describe('sim: Livy sessions and their state', () => {
  test('a named session reattaches on another node: same application, fresh SparkSession, old handles unknown', async () => {
    const dir = stateDir();
    const a = node('a', dir);
    const b = node('b', dir);
    const s1 = await open(a.service, { 'set:hiveconf:livy.session.name': 'nb-1' });
    await run(a.service, s1, 'USE sales');
    await run(a.service, s1, 'SET spark.sql.shuffle.partitions=7');
    expect((await run(a.service, s1, 'CREATE TEMPORARY VIEW v AS SELECT * FROM range(3)')).status.statusCode).toBe(0);
    expect((await run(a.service, s1, 'SELECT current_database()')).values).toEqual(['sales']);
    expect((await run(a.service, s1, 'SET spark.sql.shuffle.partitions')).values).toEqual(['7']);
    expect((await run(a.service, s1, 'SELECT * FROM v')).values).toEqual(['row-0', 'row-1', 'row-2']);
    const appA = (await run(a.service, s1, 'SET spark.app.id')).values[0];
    expect(appA).toMatch(/^application_\d+_/);
    const op = (await run(a.service, s1, 'SELECT node')).op!;

    const s2 = await open(b.service, { 'set:hiveconf:livy.session.name': 'nb-1' });
    expect((await run(b.service, s2, 'SET spark.app.id')).values).toEqual([appA]);
    expect((await run(b.service, s2, 'SELECT current_database()')).values).toEqual(['default']);
    expect((await run(b.service, s2, 'SET spark.sql.shuffle.partitions')).values).toEqual(['<undefined>']);
    const missing = await run(b.service, s2, 'SELECT * FROM v');
    expect(missing.status).toMatchObject({ statusCode: TStatusCode.ERROR, sqlState: '42S02' });
    // Handles are in each node's memory only.
    expect((await call(b.service, 'GetOperationStatus', { operationHandle: op })).status).toMatchObject({
      statusCode: TStatusCode.INVALID_HANDLE,
      errorMessage: 'Invalid OperationHandle',
    });
    expect((await run(b.service, s1, 'SELECT node')).status.statusCode).toBe(TStatusCode.INVALID_HANDLE);
    // livy.server.sessionId names the same session; an unknown id is refused.
    const byId = await open(b.service, { 'livy.server.sessionId': '0' });
    expect((await run(b.service, byId, 'SET spark.app.id')).values).toEqual([appA]);
    const refused = await call(b.service, 'OpenSession', { client_protocol: 9, configuration: { 'livy.server.sessionId': '99' } });
    expect(refused.status).toMatchObject({ statusCode: TStatusCode.ERROR, errorMessage: 'Session 99 not found' });
  });

  test('closing the last user of a managed session stops its application; a reattached one does not', async () => {
    const dir = stateDir();
    const a = node('a', dir);
    const b = node('b', dir);
    const store = createLivyStore(dir);
    const s1 = await open(a.service, { 'set:hiveconf:livy.session.name': 'm' });
    const again = await open(a.service, { 'set:hiveconf:livy.session.name': 'm' });
    const onB = await open(b.service, { 'set:hiveconf:livy.session.name': 'm' });
    await call(b.service, 'CloseSession', { sessionHandle: onB });
    expect(store.byName('m')).toBeDefined(); // unmanaged on b
    await call(a.service, 'CloseSession', { sessionHandle: again });
    expect(store.byName('m')).toBeDefined(); // a still has one user
    await call(a.service, 'CloseSession', { sessionHandle: s1 });
    expect(store.byName('m')).toBeUndefined();
    expect(a.counters.applicationsStopped).toBe(1);
    // The name is free again: a new application.
    const fresh = await open(b.service, { 'set:hiveconf:livy.session.name': 'm' });
    expect((await run(b.service, fresh, 'SET spark.app.id')).values[0]).toMatch(/^application_/);

    // Binary mode: the connection's sessions close when it drops; a demoted node stops nothing.
    const conn = {};
    await open(a.service, { 'set:hiveconf:livy.session.name': 'd' }, conn);
    a.leader.value = false;
    a.service.connectionClosed(conn);
    expect(store.byName('d')).toBeDefined();
    a.leader.value = true;
    const conn2 = {};
    await open(a.service, { 'set:hiveconf:livy.session.name': 'e' }, conn2);
    a.service.connectionClosed(conn2);
    expect(store.byName('e')).toBeUndefined();
  });

  test('every write is counted in the shared store, reads are not', async () => {
    const dir = stateDir();
    const a = node('a', dir);
    const b = node('b', dir);
    const s1 = await open(a.service, { 'set:hiveconf:livy.session.name': 'w' });
    await run(a.service, s1, 'INSERT INTO sales.t VALUES (1)');
    await run(a.service, s1, 'SELECT * FROM range(2)');
    const s2 = await open(b.service, { 'set:hiveconf:livy.session.name': 'w' });
    await run(b.service, s2, 'insert into sales.t select 1');
    const app = (await run(a.service, s1, 'SET spark.app.id')).values[0];
    expect(readExecutions(dir)).toEqual([
      { appId: app, kind: 'insert', target: 'sales.t' },
      { appId: app, kind: 'insert', target: 'sales.t' },
    ]);
    expect(a.counters.writeCalls + b.counters.writeCalls).toBe(2);
  });
});

describe('sim: node processes sharing a state store (hive-driver)', () => {
  test('kill -9 the active: the new one reattaches by name; closing a managed session stops its application; a delayed reply', async () => {
    const dir = stateDir();
    const a = await spawnSimNode({ name: 'a', role: 'leader', stateDir: dir });
    const b = await spawnSimNode({ name: 'b', role: 'follower', leaderRestUrl: a.restUrl, stateDir: dir });
    const named = { 'set:hiveconf:livy.session.name': 'job-7' };
    const first = await openHiveSession({ host: a.host, port: a.thriftPort, configuration: named, timeoutMs: 3000 });
    await first.query('USE sales');
    const appId = (await first.query('SET spark.app.id')).rows[0]?.value;
    expect(appId).toMatch(/^application_/);

    a.child.kill('SIGKILL');
    await first.closed;
    const promoted = await fetch(`${b.restUrl}/_sim/role?role=leader`, { method: 'POST' });
    expect(promoted.status).toBe(204);
    const second = await openHiveSession({ host: b.host, port: b.thriftPort, configuration: named, timeoutMs: 3000 });
    expect((await second.query('SET spark.app.id')).rows[0]?.value).toBe(appId);
    expect((await second.query('SELECT current_database()')).rows[0]).toEqual({ 'current_database()': 'default' });

    // A session b started itself is managed: closing its last user stops the application.
    const managed = { 'set:hiveconf:livy.session.name': 'job-8' };
    const own = await openHiveSession({ host: b.host, port: b.thriftPort, configuration: managed, timeoutMs: 3000 });
    const ownApp = (await own.query('SET spark.app.id')).rows[0]?.value;
    await own.close(); // CloseSession: the last user of a managed session
    const reopened = await openHiveSession({ host: b.host, port: b.thriftPort, configuration: managed, timeoutMs: 3000 });
    const newApp = (await reopened.query('SET spark.app.id')).rows[0]?.value;
    expect(newApp).toMatch(/^application_/);
    expect(newApp).not.toBe(ownApp);

    await setReplyDelay(b.restUrl, 'GetInfo', 400);
    const started = Date.now();
    await second.getInfo(13);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    await setReplyDelay(b.restUrl, 'GetInfo', 0);
    const quick = Date.now();
    await second.getInfo(13);
    expect(Date.now() - quick).toBeLessThan(300);
    await Promise.all([second.close(), reopened.close()]);
  });
});
