// onActiveLost: resume, binary: the router's connections to the active are reset while the node
// stays active (a network reset, a firewall's idle timeout, Livy's Thrift service restarting
// alone). A check that starts at that moment says the node is still active, so each session is
// re-opened on the same node, its history replayed: the client sees nothing. Before, it waited
// holdMs for "another active" and was closed.
import { describe, expect, test } from 'vitest';
import { openHiveSession } from '../helpers/sim.js';
import { prepare, rig, value } from './helpers.js';

const msgs = (lines: ReadonlyArray<{ msg?: unknown }>, start: string) => lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith(start));

describe('onActiveLost: resume (binary), connections reset while the node stays active', () => {
  test('three sessions keep their database, SET value and temporary view on the same node; none is closed', async () => {
    const r = await rig('resume', 'plain');
    const sessions = await Promise.all([1, 2, 3].map(() => openHiveSession(r.target)));
    await Promise.all(sessions.map((s) => prepare(s)));
    await sessions[1]!.query('SET livy.test.k=7'); // a bystander's own value

    expect((await fetch(`${r.a.restUrl}/_sim/drop-connections`, { method: 'POST' })).status).toBe(204);
    const startedAt = Date.now();
    for (const [i, s] of sessions.entries()) {
      expect(await value(s, 'SELECT current_database()')).toBe('sales');
      expect(await value(s, 'SET livy.test.k')).toBe(i === 1 ? '7' : '42');
      expect((await s.query('SELECT * FROM v')).rows).toHaveLength(3);
      expect(await value(s, 'SELECT node')).toBe('a');
      expect(s.isClosed).toBe(false);
    }
    expect(Date.now() - startedAt).toBeLessThan(5000); // not holdMs (15 s)
    // Livy closes a dropped binary connection's session (close.session.on.disconnect, default
    // true), which stopped the application it started: each one is a new Livy session on a.
    expect(msgs(r.router.lines, 'session resumed on the same node')).toHaveLength(3);
    expect(msgs(r.router.lines, 'session not resumed')).toEqual([]);
    await Promise.all(sessions.map((s) => s.close()));
  }, 30_000);
});
