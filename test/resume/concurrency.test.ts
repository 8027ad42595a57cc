// resumeConcurrency bounds how many sessions are re-opened on the new active at once (issue 19:
// a thousand sessions must not stampede it). Node b holds its OpenSession replies 300 ms, so
// reattaches overlap unless the router holds them back; the sim counts the most at once.
import { describe, expect, test } from 'vitest';
import { readSimStats } from '../../sim/spawn.js';
import { openHiveSession } from '../helpers/sim.js';
import { rig, role, value } from './helpers.js';

const SESSIONS = 12;

describe('onActiveLost: resume, bounded concurrency', () => {
  test(`${SESSIONS} sessions, resumeConcurrency 2: b never answers more than 2 OpenSessions at once, and every session resumes`, async () => {
    const r = await rig('resume', 'plain', false, undefined, { routerConfig: 'resumeConcurrency: 2\n', bDelays: { OpenSession: 300 } });
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => openHiveSession(r.target)));
    const apps: string[] = [];
    for (const [i, s] of sessions.entries()) {
      await s.query(`SET livy.test.k=${i}`);
      apps.push(String(await value(s, 'SET spark.app.id')));
    }
    r.a.child.kill('SIGKILL');
    await role(r.b, 'leader');
    const answers = await Promise.all(
      sessions.map(async (s) => [await value(s, 'SELECT node'), await value(s, 'SET livy.test.k'), await value(s, 'SET spark.app.id')]),
    );
    expect(answers).toEqual(sessions.map((_, i) => ['b', String(i), apps[i]]));
    const stats = await readSimStats(r.b.restUrl);
    expect(stats.openSessionCalls).toBe(SESSIONS);
    // 2, not less: the gauge sees reattaches overlap, so the bound is what holds them back.
    expect(stats.peakCalls.OpenSession).toBe(2);
    const resumed = r.router.lines.filter((l) => l.msg === 'session resumed on the new active (same Livy session)');
    expect(resumed).toHaveLength(SESSIONS);
    for (const s of sessions) expect(s.isClosed).toBe(false);
    await Promise.all(sessions.map((s) => s.close()));
  }, 30_000);
});
