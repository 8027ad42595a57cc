// onActiveLost: resume, HTTP: the active's Thrift port refuses connections for a moment while the
// checks still hold it active (a listen backlog overflow, the Thrift service restarting alone). An
// HTTP session lives on its node, not on a TCP connection, so nothing is moved: its next call waits
// for the node to accept again and goes on there, with its state; bystanders see nothing.
import { describe, expect, test } from 'vitest';
import { refuseThrift } from '../../sim/spawn.js';
import { openHiveSession } from '../helpers/sim.js';
import { PASSWORD, rig, value } from './helpers.js';
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
});
