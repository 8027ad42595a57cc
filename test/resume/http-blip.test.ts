// onActiveLost: resume, HTTP: the active's Thrift port refuses connections for a moment while the
// checks still hold it active (a listen backlog overflow, the Thrift service restarting alone). An
// HTTP session lives on its node, not on a TCP connection, so nothing is moved: its next call waits
// for the node to accept again and goes on there, with its state; bystanders see nothing.
import { describe, expect, test } from 'vitest';
import { refuseThrift, setReplyDelay } from '../../sim/spawn.js';
import { openHiveSession } from '../helpers/sim.js';
import { PASSWORD, delay, fail, rig, role, value } from './helpers.js';
import { readExecutions } from '../../sim/livy-store.js';
import { PerCallClient } from './per-call-client.js';

const msgs = (lines: ReadonlyArray<{ msg?: unknown }>, start: string) => lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith(start));

describe('onActiveLost: resume (HTTP), a blip of the active node', () => {
  test('calls made while the active refuses its Thrift port for 600 ms go on once it accepts again, on the same Livy session', async () => {
    const r = await rig('resume', 'plain', false, undefined, { transport: 'http' });
    // Three clients that open a TCP connection per call (each call needs a new node connection).
    const perCall = Array.from({ length: 3 }, () => new PerCallClient(r.router.port, 'alice', PASSWORD));
    await Promise.all(perCall.map((c) => c.open()));
    await Promise.all(perCall.map((c, i) => c.query(`SET livy.test.k=${i}`)));
    // A bystander on a keep-alive connection: its node socket stays open through the blip.
    const bystander = await openHiveSession(r.target);
    await bystander.query('USE sales');

    await refuseThrift(r.a.restUrl, 600);
    const blipAt = Date.now();
    const during = Promise.all(perCall.map((c) => c.query('SET livy.test.k')));
    expect(await value(bystander, 'SELECT current_database()')).toBe('sales');
    const answers = await during;
    const waitedMs = Date.now() - blipAt;

    expect(answers).toEqual([['0'], ['1'], ['2']]);
    for (const c of perCall) expect(await c.query('SELECT node')).toEqual(['a']);
    expect(bystander.isClosed).toBe(false);
    // They waited for the blip, not for holdMs (15 s by default).
    expect(waitedMs).toBeGreaterThanOrEqual(400);
    expect(waitedMs).toBeLessThan(5000);
    expect(msgs(r.router.lines, 'HTTP session node reachable again').length).toBeGreaterThanOrEqual(1);
    expect(msgs(r.router.lines, 'session not resumed')).toEqual([]);
    expect(msgs(r.router.lines, 'session resumed on the new active')).toEqual([]);
    await Promise.all(perCall.map((c) => c.close()));
    await bystander.close();
  }, 30_000);

  test('conflicting evidence: the active is demoted and drops a call in flight, yet still accepts TCP connections while the model holds it active; the call is answered by the new active, not the 503 of the old one', async () => {
    // Checks every 5 s: the drop always comes before a scheduled check sees the demotion.
    const r = await rig('resume', 'plain', false, undefined, { transport: 'http', routerConfig: 'health:\n  intervalMs: 5000\n' });
    const [reader, idle] = await Promise.all([openHiveSession(r.target), openHiveSession(r.target)]);
    await idle.query('USE sales');
    await setReplyDelay(r.a.restUrl, 'GetOperationStatus', 5000);
    const select = reader.query('SELECT * FROM range(5)', { timeoutMs: 15_000 });
    await delay(300);
    const after = await fail(r, 'demote'); // a drops its connections and answers 503 from now on
    expect((await select).rows).toHaveLength(5);
    expect(await value(reader, 'SELECT node')).toBe('b');
    expect(await value(idle, 'SELECT current_database()')).toBe('sales');
    for (const s of [reader, idle]) expect(s.isClosed).toBe(false);
    expect(msgs(r.router.lines, 'session not resumed')).toEqual([]);
    expect(msgs(r.router.lines, 'HTTP session node unreachable').length).toBeGreaterThanOrEqual(1);
    expect(msgs(r.router.lines, 'HTTP session node reachable again')).toEqual([]);
    await after();
    await Promise.all([reader, idle].map((s) => s.close()));
  }, 30_000);

  test('the active is demoted but keeps its connections: calls sent at once get its 503; a fresh check says passive, the sessions resume on the new active and the calls go there (an INSERT runs once)', async () => {
    // Checks every 5 s: the calls below always reach a before a scheduled check sees the demotion.
    const r = await rig('resume', 'plain', true, undefined, { transport: 'http', routerConfig: 'health:\n  intervalMs: 5000\n' });
    const [s1, s2, s3] = await Promise.all([1, 2, 3].map(() => openHiveSession(r.target)));
    await s1.query('USE sales');
    await s2.query('SET livy.test.k=5');
    await role(r.a, 'follower', r.b);
    await role(r.b, 'leader');
    // Each call reaches a on its kept connection and gets its 503.
    const [db, k] = await Promise.all([value(s1, 'SELECT current_database()'), value(s2, 'SET livy.test.k'), s3.query('INSERT INTO sales.t VALUES (1)')]);
    expect([db, k]).toEqual(['sales', '5']);
    expect(readExecutions(r.dir).filter((e) => e.kind === 'insert')).toHaveLength(1);
    for (const s of [s1, s2, s3]) {
      expect(await value(s, 'SELECT node')).toBe('b');
      expect(s.isClosed).toBe(false);
    }
    expect(msgs(r.router.lines, 'session not resumed')).toEqual([]);
    expect(msgs(r.router.lines, 'a session call answered as by a passive')).toHaveLength(3);
    await Promise.all([s1, s2, s3].map((s) => s.close()));
  }, 30_000);

  test('a busy active answers 503: a fresh check says active, so the 503 reaches the client as it came and the session stays where it is', async () => {
    const r = await rig('resume', 'plain', false, undefined, { transport: 'http' });
    const c = new PerCallClient(r.router.port, 'alice', PASSWORD, 'cookie');
    await c.open();
    expect(await c.query('USE sales')).toEqual([]);
    expect((await fetch(`${r.a.restUrl}/_sim/busy?calls=1`, { method: 'POST' })).status).toBe(204);
    await expect(c.query('SELECT node')).rejects.toThrow(/503/);
    expect(await c.query('SELECT current_database()')).toEqual(['sales']);
    expect(await c.query('SELECT node')).toEqual(['a']);
    expect(msgs(r.router.lines, 'a session call answered as by a passive')).toEqual([]);
    expect(msgs(r.router.lines, 'resuming HTTP session')).toEqual([]);
    await c.close();
  }, 30_000);
});
