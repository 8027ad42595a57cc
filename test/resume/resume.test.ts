// onActiveLost: resume through the real router process, hive-driver clients (binary SASL PLAIN and
// NOSASL) and sim node processes sharing a Livy state store: kill -9, SIGSTOP and demotion of the
// active, with sessions idle, a metadata call, a SELECT and an INSERT in flight at the fault.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { openHiveSession } from '../helpers/sim.js';
import { TLS_FIXTURE_DIR } from '../helpers/tls.js';
import { PASSWORD, delay, expectSameSession, fourSessions, prepare, rig, role, value } from './helpers.js';

describe('onActiveLost: resume (binary)', () => {
  test('kill -9 (SASL PLAIN): idle session keeps its state; metadata call, SELECT (async and sync) and INSERT in flight; no credential logged', async () => {
    const r = await rig('resume');
    await fourSessions(r, 'kill');
    const resumedLines = r.router.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('session resumed'));
    expect(resumedLines).toHaveLength(5);
    const secret = [PASSWORD, Buffer.from(PASSWORD).toString('hex').slice(0, 12), Buffer.from(`alice\0${PASSWORD}`).toString('base64').slice(0, 12)];
    for (const line of r.router.raw) for (const form of secret) expect(line).not.toContain(form);
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
    expect(router.lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('onActiveLost=resume: binary SASL PLAIN, NOSASL and HTTP'))).toBe(true);
  }, 30_000);
});
