// onActiveLost: resume in HTTP mode (Thrift over HTTP, Basic auth) through the real router process:
// hive-driver sessions on keep-alive connections and a client that opens a new TCP connection for
// every call, sim node processes sharing a Livy state store. CI runs kill -9; RESUME_MATRIX=1
// (bench/resume-matrix.sh) runs SIGSTOP and demotion too.
import { describe, expect, test } from 'vitest';
import { readExecutions } from '../../sim/livy-store.js';
import { setReplyDelay } from '../../sim/spawn.js';
import { eventually } from '../helpers/eventually.js';
import { openHiveSession } from '../helpers/sim.js';
import { OTHER_PASSWORD, PASSWORD, delay, expectSameSession, fail, prepare, rig, value, type Fault, type Rig } from './helpers.js';
import { PerCallClient } from './per-call-client.js';

/**
 * Eight HTTP sessions through one failover: one idle after USE, SET and a temporary view; two
 * bystanders with state of their own; an async SELECT and an async INSERT in flight (the old active
 * holds their status replies); a client with a new TCP connection per call; a client that sends
 * only its cookie after the first call (Hive JDBC's cookie store); and a second login
 * that names the per-call client's session handle. Asserts what docs/failover.md promises.
 */
async function httpFailover(r: Rig, fault: Fault): Promise<void> {
  const idle = await openHiveSession(r.target);
  const appId = await prepare(idle);
  const [one, two, reader, writer] = await Promise.all([1, 2, 3, 4].map(() => openHiveSession(r.target)));
  await one.query('SET livy.test.k=1');
  await two.query('USE sales');
  const perCall = new PerCallClient(r.router.port, 'alice', PASSWORD);
  await perCall.open();
  expect(await perCall.query('USE sales')).toEqual([]);
  const jdbc = new PerCallClient(r.router.port, 'alice', PASSWORD, 'cookie');
  await jdbc.open();
  expect(await jdbc.query('USE sales')).toEqual([]);
  const bob = new PerCallClient(r.router.port, 'bob', OTHER_PASSWORD);
  // Before the failover another login naming alice's handle reaches the node that knows it, untouched.
  expect(await bob.query('SELECT node', perCall.sessionHandle)).toEqual(['a']);
  await setReplyDelay(r.a.restUrl, 'GetOperationStatus', 5000);
  const select = reader.query('SELECT * FROM range(5)', { timeoutMs: 15_000 });
  const insert = writer.query('INSERT INTO sales.t VALUES (1)', { timeoutMs: 15_000 }).then(
    () => 'ran',
    (err: Error) => err.message,
  );
  await delay(400);
  const after = await fail(r, fault);
  expect((await select).rows).toHaveLength(5);
  expect(await insert).toMatch(/whether it completed is unknown/);
  await expectSameSession(idle, appId);
  expect(await value(one, 'SET livy.test.k')).toBe('1');
  expect(await value(two, 'SELECT current_database()')).toBe('sales');
  expect(await value(writer, 'SELECT node')).toBe('b'); // the session is kept after the error
  expect(await perCall.query('SELECT current_database()')).toEqual(['sales']);
  expect(await perCall.query('SELECT node')).toEqual(['b']);
  // A cookie-only client: the lost node's cookie is replaced by the login the router kept.
  expect(await jdbc.query('SELECT current_database()')).toEqual(['sales']);
  expect(jdbc.withCredentials).toBe(1);
  // The router never swaps a handle for a login other than the one that opened it.
  expect(await bob.query('SELECT node', perCall.sessionHandle)).toMatchObject({ statusCode: 4 }); // INVALID_HANDLE: the new active never knew it
  expect(readExecutions(r.dir).filter((e) => e.kind === 'insert')).toHaveLength(1);
  for (const s of [idle, one, two, reader, writer]) expect(s.isClosed).toBe(false);
  const resumed = r.router.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('session resumed') && l.transport === 'http');
  expect(resumed).toHaveLength(7);
  await after();
  await Promise.all([perCall.close(), jdbc.close()]);
  await Promise.all([idle, one, two, reader, writer].map((s) => s.close()));
}

function expectNoCredential(r: Rig): void {
  const basic = (user: string, pw: string) => Buffer.from(`${user}:${pw}`).toString('base64');
  const secret = [PASSWORD, OTHER_PASSWORD, basic('alice', PASSWORD).slice(0, 16), basic('bob', OTHER_PASSWORD).slice(0, 16), 'hive.server2.auth='];
  expect(r.router.raw.length).toBeGreaterThan(10); // trace level: there is something to search
  for (const line of r.router.raw) for (const form of secret) expect(line).not.toContain(form);
}

describe('onActiveLost: resume (HTTP)', () => {
  test('kill -9: eight HTTP sessions (idle, bystanders, SELECT and INSERT in flight, one TCP connection per call, cookie only, a second login); no credential logged', async () => {
    const r = await rig('resume', 'plain', false, undefined, { transport: 'http' });
    await httpFailover(r, 'kill');
    expectNoCredential(r);
    expect(r.router.lines.some((l) => typeof l.msg === 'string' && l.msg.includes('NOSASL and HTTP (Basic or no auth) sessions move'))).toBe(true);
  }, 40_000);

  test('a node that stopped honouring its cookie answers 401: the router sends the call again with the kept login', async () => {
    const r = await rig('resume', 'plain', false, undefined, { transport: 'http' });
    const jdbc = new PerCallClient(r.router.port, 'alice', PASSWORD, 'cookie');
    await jdbc.open();
    expect(await jdbc.query('USE sales')).toEqual([]);
    expect((await fetch(`${r.a.restUrl}/_sim/forget-cookies`, { method: 'POST' })).status).toBe(204);
    expect(await jdbc.query('SELECT current_database()')).toEqual(['sales']);
    expect(jdbc.withCredentials).toBe(1); // the client itself never sent its credentials again
    await jdbc.close();
    expectNoCredential(r);
  }, 20_000);

  test('a response larger than the router keeps (10 000 rows, over handshake.maxBufferedBytes) is relayed as it comes: the connection stays resumable', async () => {
    const r = await rig('resume', 'plain', false, undefined, { transport: 'http', routerConfig: 'handshake:\n  maxBufferedBytes: 65536\n' });
    const jdbc = new PerCallClient(r.router.port, 'alice', PASSWORD, 'cookie');
    await jdbc.open();
    expect(await jdbc.query('USE sales')).toEqual([]);
    const rows = await jdbc.query('SELECT * FROM range(10000)', undefined, 10_000);
    expect(rows).toHaveLength(10_000);
    expect((rows as string[])[9_999]).toBe('row-9999');
    const after = await fail(r, 'kill');
    expect(await jdbc.query('SELECT current_database()')).toEqual(['sales']);
    expect(await jdbc.query('SELECT node')).toEqual(['b']);
    expect(r.router.lines.filter((l) => l.msg === 'HTTP connection no longer resumable: it is piped unread from here')).toEqual([]);
    await after();
    await jdbc.close();
  }, 20_000);

  test('six cookie clients (two of them slow readers) fetch large results of their own sizes through a failover: no byte crosses', async () => {
    const r = await rig('resume', 'plain', false, undefined, { transport: 'http', routerConfig: 'handshake:\n  maxBufferedBytes: 65536\n' });
    const clients = Array.from({ length: 6 }, (_, i) => new PerCallClient(r.router.port, 'alice', PASSWORD, 'cookie', i < 2));
    await Promise.all(clients.map((c) => c.open()));
    await Promise.all(clients.map((c, i) => c.query(`SET livy.test.k=${i}`)));
    const round = () =>
      Promise.all(
        clients.map(async (c, i) => {
          const n = 10_000 - 37 * i;
          const rows = (await c.query(`SELECT * FROM range(${n})`, undefined, 10_000)) as string[];
          expect(rows).toHaveLength(n);
          expect(rows.every((label, k) => label === `row-${k}`)).toBe(true);
          expect(await c.query('SET livy.test.k')).toEqual([String(i)]);
        }),
      );
    await round();
    const after = await fail(r, 'kill');
    await round();
    await round();
    expect(r.router.lines.filter((l) => l.msg === 'HTTP connection no longer resumable: it is piped unread from here')).toEqual([]);
    await after();
    await Promise.all(clients.map((c) => c.close()));
  }, 30_000);

  test('a second OpenSession on a keep-alive connection is named too: both sessions reattach to their own applications', async () => {
    const r = await rig('resume', 'plain', false, undefined, { transport: 'http' });
    const jdbc = new PerCallClient(r.router.port, 'alice', PASSWORD, 'cookie');
    await jdbc.open();
    const first = jdbc.sessionHandle;
    await jdbc.open(); // not the connection's first request: named by the resumable connection, not the handshake
    const second = jdbc.sessionHandle;
    const apps = [await jdbc.query('SET spark.app.id', first), await jdbc.query('SET spark.app.id', second)];
    expect(apps[0]).not.toEqual(apps[1]);
    const after = await fail(r, 'kill');
    expect([await jdbc.query('SET spark.app.id', first), await jdbc.query('SET spark.app.id', second)]).toEqual(apps);
    expect(await jdbc.query('SELECT node', second)).toEqual(['b']);
    const resumed = r.router.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('session resumed') && l.reattached === true);
    expect(resumed).toHaveLength(2);
    await after();
    await jdbc.close();
  }, 20_000);

  test('the new active refuses the login: the session is not resumed, its next call closes the connection, a log line says why', async () => {
    const r = await rig('resume', 'plain', false, undefined, { transport: 'http', usersOnB: { alice: 'another-password' } });
    const s = await openHiveSession(r.target);
    await s.query('SET livy.test.k=1');
    const after = await fail(r, 'kill');
    await expect(s.query('SELECT 1', { timeoutMs: 8000 })).rejects.toThrow();
    expect((await s.closed).reason).toBe('connection-lost');
    const failed = await eventually(() => r.router.lines.find((l) => l.msg === 'session not resumed: its requests close their connections'), {
      what: 'the line that says why',
    });
    expect(failed).toMatchObject({ reason: 'login-refused', transport: 'http' });
    await after();
    await s.close();
    expectNoCredential(r);
  }, 20_000);
});

const cases: Array<[fault: Fault, keep: boolean, auth: 'plain' | 'nosasl']> = [
  ['hang', false, 'plain'],
  ['demote', false, 'plain'],
  ['demote', true, 'plain'],
  ['kill', false, 'nosasl'], // no authentication: hive-driver sends no Authorization header
];

describe.runIf(process.env.RESUME_MATRIX === '1')('resume matrix (HTTP)', () => {
  test.each(cases)(
    'HTTP, %s (old active keeps its connections: %s, auth %s)',
    async (fault, keep, auth) => {
      const r = await rig('resume', auth, keep, undefined, { transport: 'http' });
      await httpFailover(r, fault);
      expectNoCredential(r);
    },
    60_000,
  );

  test('twenty HTTP sessions with their own state, resumeConcurrency 3: each resumes with its own database, setting and application', async () => {
    const r = await rig('resume', 'plain', false, undefined, { transport: 'http', routerConfig: 'resumeConcurrency: 3\n' });
    const sessions = await Promise.all(Array.from({ length: 20 }, () => openHiveSession(r.target)));
    const apps = await Promise.all(
      sessions.map(async (s, i) => {
        await s.query(`SET livy.test.k=${i}`);
        if (i % 2 === 0) await s.query('USE sales');
        return String(await value(s, 'SET spark.app.id'));
      }),
    );
    expect(new Set(apps).size).toBe(20);
    const after = await fail(r, 'kill');
    await Promise.all(
      sessions.map(async (s, i) => {
        expect(await value(s, 'SET livy.test.k')).toBe(String(i));
        expect(await value(s, 'SELECT current_database()')).toBe(i % 2 === 0 ? 'sales' : 'default');
        expect(await value(s, 'SET spark.app.id')).toBe(apps[i]);
        expect(await value(s, 'SELECT node')).toBe('b');
      }),
    );
    for (const s of sessions) expect(s.isClosed).toBe(false);
    await after();
    await Promise.all(sessions.map((s) => s.close()));
  }, 60_000);

  test('no active node within holdMs: the session is not resumed (no-active), its next call closes the connection', async () => {
    const r = await rig('resume', 'plain', false, undefined, { transport: 'http', routerConfig: 'holdMs: 1000\n' });
    const s = await openHiveSession(r.target);
    await s.query('SET livy.test.k=1');
    r.a.child.kill('SIGKILL'); // and b stays a follower
    const failed = await eventually(() => r.router.lines.find((l) => l.msg === 'session not resumed: its requests close their connections'), {
      what: 'the line that says why',
    });
    expect(failed).toMatchObject({ reason: 'no-active', transport: 'http' });
    await expect(s.query('SELECT 1', { timeoutMs: 8000 })).rejects.toThrow();
    expect((await s.closed).reason).toBe('connection-lost');
    await s.close();
  }, 30_000);
});
