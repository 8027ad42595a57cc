// What the resume tests share: a two-node sim cluster (processes, one Livy state store) behind the
// real router process, hive-driver sessions, and the four-session failover scenario.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, onTestFailed } from 'vitest';
import type { HiveSessionHandle, HiveTarget } from '../../sim/hive-client.js';
import { readExecutions } from '../../sim/livy-store.js';
import { setReplyDelay, type SimNodeProcess } from '../../sim/spawn.js';
import { startRouterProcess, type RouterProcess } from '../helpers/router-process.js';
import { openHiveSession, spawnSimNode } from '../helpers/sim.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export const PASSWORD = 'Res7umePw!q';
/** A second user of the simulated cluster (HTTP: a handle is honoured only for the login that opened it). */
export const OTHER_PASSWORD = 'B0b-other-pw';

export interface RigOptions {
  transport?: 'binary' | 'http';
  /** The users node b knows, when they differ from a's (a resume whose re-login b refuses). */
  usersOnB?: Record<string, string>;
  /** YAML for the router's --config (the nodes and flags come from the command line), e.g. `resumeConcurrency: 2`. */
  routerConfig?: string;
  /** Replies node b holds back from the start (method -> ms). */
  bDelays?: Record<string, number>;
}

export interface Rig {
  dir: string;
  a: SimNodeProcess;
  b: SimNodeProcess;
  router: RouterProcess;
  target: HiveTarget;
}

export async function rig(
  mode: 'resume' | 'close',
  auth: 'plain' | 'nosasl' = 'plain',
  keepConnectionsOnDemote = false,
  tlsDir?: string,
  opts: RigOptions = {},
): Promise<Rig> {
  const { transport = 'binary', usersOnB, routerConfig, bDelays } = opts;
  const dir = mkdtempSync(path.join(tmpdir(), 'lr-resume-'));
  dirs.push(dir);
  const users = auth === 'plain' ? { alice: PASSWORD, bob: OTHER_PASSWORD } : undefined;
  const common = { stateDir: dir, users, auth, keepConnectionsOnDemote, tlsDir, transport };
  const a = await spawnSimNode({ name: 'a', role: 'leader', ...common });
  const b = await spawnSimNode({
    name: 'b',
    role: 'follower',
    leaderRestUrl: a.restUrl,
    delayReplies: bDelays,
    ...common,
    ...(usersOnB && { users: usersOnB }),
  });
  const node = (n: SimNodeProcess) => `${n.name}=127.0.0.1:${n.thriftPort},rest=${n.restPort}`;
  const configFile = path.join(dir, 'router.yaml');
  if (routerConfig) writeFileSync(configFile, routerConfig);
  const router = await startRouterProcess([
    ...(routerConfig ? ['--config', configFile] : []),
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
    '--node-transport',
    transport,
  ]);
  const target: HiveTarget = { host: '127.0.0.1', port: router.port, auth, user: 'alice', password: PASSWORD, timeoutMs: 8000, transport };
  // A failure here is often a timing one, seen once in CI: keep the router's story (info and up; never a credential) in the output.
  onTestFailed(() => {
    const story = router.lines.filter((l) => typeof l.level === 'number' && l.level >= 30).slice(-80);
    process.stderr.write(`router lines before the failure (${story.length}):\n${story.map((l) => JSON.stringify(l).slice(0, 400)).join('\n')}\n`);
  });
  if (process.env.DEBUG_RESUME) {
    router.child.stdout!.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n'))
        if (line.includes('"level":30') || line.includes('"level":40') || line.includes('"level":50')) process.stderr.write(line.slice(0, 400) + '\n');
    });
  }
  return { dir, a, b, router, target };
}

export const role = (n: SimNodeProcess, r: 'leader' | 'follower', leader?: SimNodeProcess) =>
  fetch(`${n.restUrl}/_sim/role?role=${r}${leader ? `&leader=${encodeURIComponent(leader.restUrl)}` : ''}`, { method: 'POST' });

export async function value(s: HiveSessionHandle, sql: string): Promise<unknown> {
  const { rows } = await s.query(sql);
  const row = rows[0] ?? {};
  return row.value ?? Object.values(row)[0];
}

/** USE, SET and a temporary view, as a notebook would leave its session; returns its application id. */
export async function prepare(s: HiveSessionHandle): Promise<string> {
  await s.query('USE sales');
  await s.query('SET livy.test.k=42');
  await s.query('CREATE TEMPORARY VIEW v AS SELECT * FROM range(3)');
  return String(await value(s, 'SET spark.app.id'));
}

export async function expectSameSession(s: HiveSessionHandle, appId: string): Promise<void> {
  expect(await value(s, 'SELECT current_database()')).toBe('sales');
  expect(await value(s, 'SET livy.test.k')).toBe('42');
  expect((await s.query('SELECT * FROM v')).rows).toHaveLength(3);
  expect(await value(s, 'SET spark.app.id')).toBe(appId);
  expect(await value(s, 'SELECT node')).toBe('b');
  expect(s.isClosed).toBe(false);
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type Fault = 'kill' | 'hang' | 'demote';

/** Puts the active (a) out the way `fault` says and makes b the leader; returns what to do after. */
export async function fail(r: Rig, fault: Fault): Promise<() => Promise<void>> {
  if (fault === 'kill') r.a.child.kill('SIGKILL');
  if (fault === 'hang') r.a.child.kill('SIGSTOP');
  const demoted = fault === 'kill' ? undefined : role(r.a, 'follower', r.b); // a hung node answers once it runs again
  if (fault === 'demote') await demoted;
  await role(r.b, 'leader');
  return async () => {
    if (fault === 'hang') r.a.child.kill('SIGCONT');
    await demoted;
  };
}

/**
 * Five sessions through one failover: one idle after USE, SET and a temporary view; one with a
 * metadata call, one with a SELECT and one with an INSERT in flight, run asynchronously as Hive
 * JDBC does (the old active holds their replies), and one synchronous SELECT still running.
 * Asserts what docs/failover.md promises for each.
 */
export async function fourSessions(r: Rig, fault: Fault): Promise<void> {
  const idle = await openHiveSession(r.target);
  const appId = await prepare(idle);
  const [meta, reader, writer, sync] = await Promise.all([1, 2, 3, 4].map(() => openHiveSession(r.target)));
  await setReplyDelay(r.a.restUrl, 'GetSchemas', 5000);
  await setReplyDelay(r.a.restUrl, 'GetOperationStatus', 5000);
  const schemas = meta.getSchemas({ timeoutMs: 15_000 });
  const select = reader.query('SELECT * FROM range(5)', { timeoutMs: 15_000 });
  const insert = writer.query('INSERT INTO sales.t VALUES (1)', { timeoutMs: 15_000 }).then(
    () => 'ran',
    (err: Error) => err.message,
  );
  // runAsync false: the node answers ExecuteStatement only when the statement is done.
  const slept = sync.query('SELECT sleep(1500)', { timeoutMs: 15_000, runAsync: false });
  await delay(400);
  const after = await fail(r, fault);
  expect((await slept).rows).toEqual([{ slept_ms: '1500' }]);
  expect((await schemas).rows.map((row) => row.TABLE_SCHEM)).toContain('default');
  expect((await select).rows).toHaveLength(5);
  expect(await insert).toMatch(/whether it completed is unknown/);
  await expectSameSession(idle, appId);
  expect(await value(writer, 'SELECT node')).toBe('b'); // the session is kept after the error
  expect(readExecutions(r.dir).filter((e) => e.kind === 'insert')).toHaveLength(1);
  for (const s of [idle, meta, reader, writer, sync]) expect(s.isClosed).toBe(false);
  await after();
  await Promise.all([idle, meta, reader, writer, sync].map((s) => s.close()));
}
