// The rule behind "no LDAP lockout by a storm of re-logins" (src/resume/relogin-gate.ts), alone:
// the sessions of one user wait for the first re-login's verdict.
import { describe, expect, test } from 'vitest';
import { ReloginGate } from '../../src/resume/relogin-gate.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('ReloginGate', () => {
  test('a refused re-login: the waiting sessions of that user are not tried; another user is not held', async () => {
    const gate = new ReloginGate(() => 15_000);
    const lead = await gate.enter('alice');
    expect(lead).toBeTypeOf('function');
    const waiting = [gate.enter('alice'), gate.enter('alice')].map((p) =>
      p.then(
        () => 'entered',
        (err: Error) => err.message,
      ),
    );
    const bob = await gate.enter('bob'); // not held by alice's re-login
    expect(bob).toBeTypeOf('function');
    await tick();
    lead!('refused');
    expect(await Promise.all(waiting)).toEqual([
      'the new active refused this user a moment ago: not tried again',
      'the new active refused this user a moment ago: not tried again',
    ]);
  });

  test('an accepted re-login lets the others go at once; an unknown outcome hands the lead to the next', async () => {
    const gate = new ReloginGate(() => 15_000);
    const first = await gate.enter('carol');
    const second = gate.enter('carol');
    const third = gate.enter('carol');
    await tick();
    first!('unknown'); // e.g. the connect failed: the next session tries its own login
    const next = await second;
    expect(next).toBeTypeOf('function');
    let thirdDone = false;
    void third.then(() => (thirdDone = true));
    await tick();
    expect(thirdDone).toBe(false); // still waiting for the new lead
    next!('accepted');
    next!('refused'); // only the first verdict counts (login accepted, then OpenSession refused)
    expect(await third).toBeUndefined(); // goes on without leading
    expect(await gate.enter('carol')).toBeUndefined();
  });

  test('verdicts expire after ttlMs', async () => {
    let ttl = 0;
    const gate = new ReloginGate(() => ttl);
    (await gate.enter('dave'))!('refused');
    expect(await gate.enter('dave')).toBeTypeOf('function'); // a refusal 0 ms long is over
    ttl = 60_000;
    gate.refuse('erin');
    await expect(gate.enter('erin')).rejects.toMatchObject({ reason: 'login-refused' });
  });
});
