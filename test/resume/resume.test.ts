// onActiveLost: resume through the real router process, hive-driver clients (binary SASL PLAIN and
// NOSASL) and sim node processes sharing a Livy state store: kill -9, SIGSTOP and demotion of the
// active, with sessions idle, a metadata call, a SELECT and an INSERT in flight at the fault.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { HiveSessionHandle, HiveTarget } from '../../sim/hive-client.js';
import { readExecutions } from '../../sim/livy-store.js';
import { setReplyDelay, type SimNodeProcess } from '../../sim/spawn.js';
import { startRouterProcess, type RouterProcess } from '../helpers/router-process.js';
import { openHiveSession, spawnSimNode } from '../helpers/sim.js';
import { TLS_FIXTURE_DIR } from '../helpers/tls.js';

const PASSWORD = 'Res7umePw!q';
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Rig {
  dir: string;
  a: SimNodeProcess;
  b: SimNodeProcess;
  router: RouterProcess;
  target: HiveTarget;
}

async function rig(mode: 'resume' | 'close', auth: 'plain' | 'nosasl' = 'plain', keepConnectionsOnDemote = false, tlsDir?: string): Promise<Rig> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lr-resume-'));
  dirs.push(dir);
  const users = auth === 'plain' ? { alice: PASSWORD } : undefined;
  const a = await spawnSimNode({ name: 'a', role: 'leader', stateDir: dir, users, auth, keepConnectionsOnDemote, tlsDir });
  const b = await spawnSimNode({ name: 'b', role: 'follower', leaderRestUrl: a.restUrl, stateDir: dir, users, auth, keepConnectionsOnDemote, tlsDir });
  const node = (n: SimNodeProcess) => `${n.name}=127.0.0.1:${n.thriftPort},rest=${n.restPort}`;
  const router = await startRouterProcess([
    '--node',
    node(a),
    '--node',
    node(b),
    '--check',
    'ha-status',
    '--on-active-lost',
    mode,
    '--admin',
    'off',
    '--log-level',
    'trace',
  ]);
  const target: HiveTarget = { host: '127.0.0.1', port: router.port, auth, user: 'alice', password: PASSWORD, timeoutMs: 8000 };
  if (process.env.DEBUG_RESUME) {
    router.child.stdout!.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n'))
        if (line.includes('"level":30') || line.includes('"level":40') || line.includes('"level":50')) process.stderr.write(line.slice(0, 400) + '\n');
    });
  }
  return { dir, a, b, router, target };
}

const role = (n: SimNodeProcess, r: 'leader' | 'follower', leader?: SimNodeProcess) =>
  fetch(`${n.restUrl}/_sim/role?role=${r}${leader ? `&leader=${encodeURIComponent(leader.restUrl)}` : ''}`, { method: 'POST' });

async function value(s: HiveSessionHandle, sql: string): Promise<unknown> {
  const { rows } = await s.query(sql);
  const row = rows[0] ?? {};
  return row.value ?? Object.values(row)[0];
}

/** USE, SET and a temporary view, as a notebook would leave its session; returns its application id. */
async function prepare(s: HiveSessionHandle): Promise<string> {
  await s.query('USE sales');
  await s.query('SET livy.test.k=42');
  await s.query('CREATE TEMPORARY VIEW v AS SELECT * FROM range(3)');
  return String(await value(s, 'SET spark.app.id'));
}

async function expectSameSession(s: HiveSessionHandle, appId: string): Promise<void> {
  expect(await value(s, 'SELECT current_database()')).toBe('sales');
  expect(await value(s, 'SET livy.test.k')).toBe('42');
  expect((await s.query('SELECT * FROM v')).rows).toHaveLength(3);
  expect(await value(s, 'SET spark.app.id')).toBe(appId);
  expect(await value(s, 'SELECT node')).toBe('b');
  expect(s.isClosed).toBe(false);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('onActiveLost: resume (binary)', () => {
  test('kill -9 (SASL PLAIN): idle session keeps its state; metadata call, SELECT and INSERT in flight; no credential logged', async () => {
    const { dir, a, b, router, target } = await rig('resume');
    const idle = await openHiveSession(target);
    const appId = await prepare(idle);
    const meta = await openHiveSession(target);
    const reader = await openHiveSession(target);
    const writer = await openHiveSession(target);
    await setReplyDelay(a.restUrl, 'GetSchemas', 5000);
    await setReplyDelay(a.restUrl, 'GetOperationStatus', 5000);
    const schemas = meta.getSchemas({ timeoutMs: 15_000 });
    const select = reader.query('SELECT * FROM range(5)', { timeoutMs: 15_000 });
    const insert = writer.query('INSERT INTO sales.t VALUES (1)', { timeoutMs: 15_000 }).then(
      () => 'ran',
      (err: Error) => err.message,
    );
    await delay(400);
    a.child.kill('SIGKILL');
    await role(b, 'leader');

    expect((await schemas).rows.map((r) => r.TABLE_SCHEM)).toContain('default');
    expect((await select).rows).toHaveLength(5);
    expect(await insert).toMatch(/whether it completed is unknown/);
    await expectSameSession(idle, appId);
    expect(await value(writer, 'SELECT node')).toBe('b'); // the session is kept after the error
    expect(readExecutions(dir).filter((e) => e.kind === 'insert')).toHaveLength(1);
    for (const s of [idle, meta, reader, writer]) expect(s.isClosed).toBe(false);
    await Promise.all([idle, meta, reader, writer].map((s) => s.close()));

    const resumedLines = router.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('session resumed'));
    expect(resumedLines).toHaveLength(4);
    const secret = [PASSWORD, Buffer.from(PASSWORD).toString('hex').slice(0, 12), Buffer.from(`alice\0${PASSWORD}`).toString('base64').slice(0, 12)];
    for (const line of router.raw) for (const form of secret) expect(line).not.toContain(form);
  }, 40_000);

  test('SIGSTOP of the active (NOSASL): the idle session resumes; the old node, woken as a passive, stops no application', async () => {
    const { dir, a, b, target } = await rig('resume', 'nosasl');
    const s = await openHiveSession(target);
    const appId = await prepare(s);
    a.child.kill('SIGSTOP');
    await role(b, 'leader');
    const demoted = role(a, 'follower', b); // answered once it runs again
    await expectSameSession(s, appId);
    a.child.kill('SIGCONT');
    expect((await demoted).status).toBe(204);
    await delay(800); // the checks see it passive; only then does the router close its socket there
    expect(readdirSync(path.join(dir, 'sessions')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(await value(s, 'SET spark.app.id')).toBe(appId);
    await s.close();
  }, 30_000);

  test('demotion (connections kept by the old active): the idle session resumes; the application is not stopped', async () => {
    const { a, b, target } = await rig('resume', 'plain', true);
    const s = await openHiveSession(target);
    const appId = await prepare(s);
    await role(a, 'follower', b);
    await role(b, 'leader');
    await delay(600); // the checks see the demotion; the router resumes the session at once
    await expectSameSession(s, appId);
    await s.close();
  }, 30_000);

  test('close mode: the session is cut; a reconnected one is a new application', async () => {
    const { a, b, target } = await rig('close');
    const s = await openHiveSession(target);
    const appId = await prepare(s);
    a.child.kill('SIGKILL');
    await role(b, 'leader');
    await s.closed;
    const again = await openHiveSession(target);
    expect(await value(again, 'SET spark.app.id')).not.toBe(appId);
    expect(await value(again, 'SELECT current_database()')).toBe('default');
    await again.close();
  }, 30_000);

  test('a TLS session is closed as in close mode, and its closing line says why', async () => {
    const { a, b, router, target } = await rig('resume', 'plain', false, TLS_FIXTURE_DIR);
    const s = await openHiveSession({ ...target, tls: { rejectUnauthorized: false } });
    expect(await value(s, 'SELECT node')).toBe('a');
    a.child.kill('SIGKILL');
    await role(b, 'leader');
    expect((await s.closed).reason).toBe('connection-lost');
    const closed = () => router.lines.find((l) => l.msg === 'connection closed');
    for (let i = 0; i < 50 && !closed(); i++) await delay(20);
    expect(closed()).toMatchObject({ transport: 'tls', resume: expect.stringMatching(/^not resumable: TLS/) });
    expect(router.lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('onActiveLost=resume: binary SASL PLAIN and NOSASL'))).toBe(true);
  }, 30_000);
});
