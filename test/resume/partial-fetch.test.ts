// A read whose rows were partly fetched when the active was lost cannot be resumed (Spark results
// without ORDER BY are not deterministic): the client's next FetchResults gets the documented
// error (SQLSTATE HY000, naming the failover; src/resume/operations.ts), and the same session,
// with no reconnect, runs its next query on the new active.
import { describe, expect, test } from 'vitest';
import { openHiveSession } from '../helpers/sim.js';
import { fail, rig, value, type Fault } from './helpers.js';

describe('onActiveLost: resume, a result partly fetched', () => {
  test.each<Fault>(['kill', 'hang', 'demote'])(
    '%s: the next FetchResults is HY000 "failed over after part of this query\'s result was fetched"; the session goes on',
    async (fault) => {
      const r = await rig('resume');
      const s = await openHiveSession(r.target);
      const cursor = await s.cursor('SELECT * FROM range(10)');
      expect(await cursor.fetch(3)).toMatchObject({ statusCode: 0, rows: 3 });
      const after = await fail(r, fault);
      const cut = await cursor.fetch(3, { timeoutMs: 15_000 });
      expect(cut).toMatchObject({ statusCode: 3, sqlState: 'HY000', rows: 0 });
      expect(cut.errorMessage).toMatch(/failed over \(now b\) after part of this query's result was fetched/);
      await cursor.close(); // answered by the router: the operation is gone with the old node
      expect(await value(s, 'SELECT node')).toBe('b');
      expect((await s.query('SELECT * FROM range(4)')).rows).toHaveLength(4);
      expect(s.isClosed).toBe(false);
      const resumed = r.router.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('session resumed'));
      expect(resumed).toHaveLength(1);
      await after();
      await s.close();
    },
    30_000,
  );
});
