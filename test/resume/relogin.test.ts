// A re-login the new active refuses stops resuming that user's other sessions: an LDAP account
// is not locked by a storm of re-logins (issue 19). Node b does not know alice (the sim refuses a
// user a node lacks, and counts every login it checks); bob is known to both.
import { describe, expect, test } from 'vitest';
import { readSimStats } from '../../sim/spawn.js';
import { openHiveSession } from '../helpers/sim.js';
import { OTHER_PASSWORD, delay, prepare, rig, role, value } from './helpers.js';

const BOB_PASSWORD = OTHER_PASSWORD;

describe('onActiveLost: resume, a re-login refused', () => {
  test("3 sessions of alice, 2 of bob, b refuses alice: b sees one login of alice, her sessions close with a reason, bob's resume", async () => {
    const r = await rig('resume', 'plain', false, undefined, {
      usersOnB: { bob: BOB_PASSWORD },
    });
    const alice = await Promise.all([1, 2, 3].map(() => openHiveSession(r.target)));
    const bob = await Promise.all([1, 2].map(() => openHiveSession({ ...r.target, user: 'bob', password: BOB_PASSWORD })));
    for (const s of alice) expect(await value(s, 'SELECT node')).toBe('a');
    const bobApps = await Promise.all(bob.map((s) => prepare(s)));
    r.a.child.kill('SIGKILL');
    await role(r.b, 'leader');
    const closed = await Promise.all(alice.map((s) => Promise.race([s.closed, delay(15_000).then(() => 'still open')])));
    for (const c of closed) expect(c).toMatchObject({ reason: 'connection-lost' });
    for (const [i, s] of bob.entries()) {
      expect(await value(s, 'SELECT current_database()')).toBe('sales');
      expect(await value(s, 'SET livy.test.k')).toBe('42');
      expect(await value(s, 'SET spark.app.id')).toBe(bobApps[i]);
      expect(await value(s, 'SELECT node')).toBe('b');
      expect(s.isClosed).toBe(false);
    }
    const stats = await readSimStats(r.b.restUrl);
    expect(stats.logins.alice).toEqual({ accepted: 0, refused: 1 });
    expect(stats.logins.bob).toEqual({ accepted: 2, refused: 0 });
    // One warn line per session of alice says why; each closing line carries the reason.
    const lines = () => r.router.lines;
    for (let i = 0; i < 50 && lines().filter((l) => l.msg === 'connection closed').length < 3; i++) await delay(20);
    const notResumed = lines().filter((l) => l.msg === 'session not resumed: the client is closed');
    expect(notResumed).toHaveLength(3);
    for (const l of notResumed) expect(l).toMatchObject({ reason: 'login-refused', level: 40 });
    const closings = lines().filter((l) => l.msg === 'connection closed');
    expect(closings).toHaveLength(3);
    for (const l of closings) expect(l).toMatchObject({ user: 'alice', reason: expect.stringMatching(/^resume failed \(login-refused\)/) });
    await Promise.all(bob.map((s) => s.close()));
  }, 30_000);
});
