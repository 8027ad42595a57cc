// Issue 21: a REST client polling every 100 ms through the router process sees no failed GET
// while a new active appears within holdMs (kill -9, demotion), and a POST in flight when the
// active is lost gets the documented 502 (never sent again).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onStop } from '../helpers/registry.js';
import { eventually } from '../helpers/eventually.js';
import { moveLeader, PASSWORD, startRestCluster, USER, type RestCluster } from './helpers.js';

const AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const POLL_MS = 100;

interface Poll {
  results: Array<{ status: number | string; node: string | undefined; at: number }>;
  stop(): Promise<void>;
}

/** GET /sessions every 100 ms, one after the other, as a notebook polling its session does. */
function poll(c: RestCluster): Poll {
  const results: Poll['results'] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      try {
        const r = await fetch(`${c.restUrl}/sessions`, { headers: { authorization: AUTH }, signal: AbortSignal.timeout(20_000) });
        await r.arrayBuffer();
        results.push({ status: r.status, node: undefined, at });
      } catch (err) {
        results.push({ status: (err as Error).message, node: undefined, at });
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  return {
    results,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** A GET the node answers only after 1 s, so it is in flight at the failover: it must be re-sent. */
async function slowGet(c: RestCluster): Promise<number> {
  const r = await fetch(`${c.restUrl}/batches`, { headers: { authorization: AUTH, 'x-sim-delay-ms': '1000' } });
  await r.arrayBuffer();
  return r.status;
}

/** A POST the node answers only after 3 s (x-sim-delay-ms), so it is in flight at the failover. */
async function slowPost(c: RestCluster): Promise<{ status: number; body: { error?: string; msg?: string } }> {
  const r = await fetch(`${c.restUrl}/sessions`, {
    method: 'POST',
    headers: { authorization: AUTH, 'content-type': 'application/json', 'x-sim-delay-ms': '3000' },
    body: JSON.stringify({ kind: 'spark' }),
  });
  return { status: r.status, body: (await r.json()) as { error?: string; msg?: string } };
}

function routedTo(c: RestCluster, node: string, after: number): boolean {
  return c.router.lines.some((l) => l.msg === 'request done' && l.node === node && l.status === 200 && Number(l.time) > after);
}

describe('REST through a failover (real processes)', () => {
  it('kill -9 of the active: polled GETs all succeed, the POST in flight gets 502 outcome_unknown', async () => {
    const c = await startRestCluster();
    const p = poll(c);
    await eventually(() => p.results.length >= 3, { what: 'three polls' });
    const post = slowPost(c);
    const get = slowGet(c);
    await new Promise((r) => setTimeout(r, 300));
    const killedAt = Date.now();
    c.active.child.kill('SIGKILL');
    // Livy's leader latch moves about a second later.
    await new Promise((r) => setTimeout(r, 1000));
    await moveLeader([c.passive], c.passive);
    await eventually(() => routedTo(c, 'livy-p', killedAt), { what: 'a GET answered by the new active' });
    await new Promise((r) => setTimeout(r, 500));
    await p.stop();

    const answer = await post;
    expect(await get).toBe(200);
    // It was in flight on the lost node and answered by the new one.
    const resent = await eventually(() => c.router.lines.find((l) => l.msg === 'request done' && l.path === '/batches'), { what: 'the slow GET done' });
    expect(resent).toMatchObject({ status: 200, node: 'livy-p' });
    expect(Number(resent!.attempts)).toBeGreaterThanOrEqual(2);
    expect(answer.status).toBe(502);
    expect(answer.body.error).toBe('outcome_unknown');
    expect(answer.body.msg).toMatch(/outcome of POST is unknown: it was not sent again/);
    expect(p.results.length).toBeGreaterThan(5);
    expect(p.results.filter((r) => r.status !== 200)).toEqual([]);
    expect(c.router.lines.find((l) => String(l.msg).startsWith('REST request failed:'))).toMatchObject({
      level: 40,
      method: 'POST',
      node: 'livy-a',
      code: 'outcome_unknown',
    });
    // The new active never saw the POST (it was not re-sent).
    const sessions = (await (await fetch(`${c.restUrl}/sessions`, { headers: { authorization: AUTH } })).json()) as { total: number };
    expect(sessions.total).toBe(0);
  });

  it('demotion of the active (the leader moves): polled GETs all succeed, the POST in flight gets 502', async () => {
    const c = await startRestCluster();
    const p = poll(c);
    await eventually(() => p.results.length >= 3, { what: 'three polls' });
    const post = slowPost(c);
    const get = slowGet(c);
    await new Promise((r) => setTimeout(r, 300));
    const movedAt = Date.now();
    await moveLeader([c.active, c.passive], c.passive);
    await eventually(() => routedTo(c, 'livy-p', movedAt), { what: 'a GET answered by the new active' });
    await new Promise((r) => setTimeout(r, 500));
    await p.stop();

    const answer = await post;
    expect(await get).toBe(200);
    // It was in flight on the lost node and answered by the new one.
    const resent = await eventually(() => c.router.lines.find((l) => l.msg === 'request done' && l.path === '/batches'), { what: 'the slow GET done' });
    expect(resent).toMatchObject({ status: 200, node: 'livy-p' });
    expect(Number(resent!.attempts)).toBeGreaterThanOrEqual(2);
    expect(answer.status).toBe(502);
    expect(answer.body.error).toBe('outcome_unknown');
    expect(p.results.length).toBeGreaterThan(5);
    expect(p.results.filter((r) => r.status !== 200)).toEqual([]);
  });

  it('no active node within holdMs: 503 with Retry-After and a JSON reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livy-router-rest-'));
    onStop(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'config.yaml'), 'holdMs: 1500\n');
    const c = await startRestCluster(['--config', join(dir, 'config.yaml')]);
    // The active steps down and no node leads yet (Livy's latch between two holders).
    const movedAt = Date.now();
    await fetch(`${c.active.restUrl}/_sim/role?role=follower`, { method: 'POST' });
    await eventually(() => c.router.lines.some((l) => l.node === 'livy-a' && l.from === 'active' && Number(l.time) >= movedAt), { what: 'the active lost' });
    const started = Date.now();
    const r = await fetch(`${c.restUrl}/sessions`, { headers: { authorization: AUTH } });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('5');
    expect(await r.json()).toMatchObject({ error: 'no_active_node', msg: expect.stringMatching(/no active Livy node within holdMs \(1500 ms\)/) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
  });
});
