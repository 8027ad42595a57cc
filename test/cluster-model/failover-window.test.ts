import { describe, expect, it } from 'vitest';
import { queryNode } from '../../sim/hive-client.js';
import { eventually } from '../helpers/eventually.js';
import { startTestRouter } from '../helpers/router.js';
import { startSimCluster } from '../helpers/sim.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The active is killed, another node is promoted a second later, and a new client arrives every
 * 250 ms throughout. Every client must be served by the new active, each within `boundMs` of the
 * promotion (or of its own arrival, if it came later). Without role-aware checks nothing announces
 * the new active: held clients try again every 250 ms.
 */
describe.each([
  { check: 'none', boundMs: 1000 },
  { check: 'tcp', boundMs: 1000 },
  { check: 'ha-status', boundMs: 300 },
])('failover window with checks: $check', ({ check, boundMs }) => {
  it(`each client is served within ${boundMs} ms of the promotion`, async () => {
    const cluster = await startSimCluster({ nodes: ['a', 'b', 'c'].map((name) => ({ name, passiveStyle: 'sasl-bad' as const })), active: 'a' });
    const nodes = cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort, restPort: n.restPort }));
    const { service, port } = await startTestRouter(nodes, { health: { kind: check } });
    expect(await queryNode({ host: '127.0.0.1', port, timeoutMs: 5000 })).toBe('a');
    await eventually(() => service.router.cluster.active()?.config.name === 'a');
    // /status reads check results from the monitor that owns them.
    if (check === 'ha-status') await eventually(() => service.health.lastCheck('b')?.result === 'passive', { what: 'a check of b' });

    await cluster.node('a').kill();
    const killedAt = Date.now();
    let promotedAt = Infinity;
    const clients: Array<Promise<{ startedAt: number; doneAt: number; answer: string }>> = [];
    const arrivals = (async () => {
      while (Date.now() - killedAt < 2000) {
        const startedAt = Date.now();
        clients.push(
          queryNode({ host: '127.0.0.1', port, timeoutMs: 10_000 }).then(
            (answer) => ({ startedAt, doneAt: Date.now(), answer }),
            (err: Error) => ({ startedAt, doneAt: Date.now(), answer: `error: ${err.message}` }),
          ),
        );
        await sleep(250);
      }
    })();
    await sleep(1000); // the leader latch moves a second after the loss
    cluster.setActive('b');
    await cluster.settled();
    promotedAt = Date.now();
    await arrivals;
    const results = await Promise.all(clients);
    const lateness = results.map((r) => r.doneAt - Math.max(r.startedAt, promotedAt));
    console.info(`checks ${check}: ${results.length} clients, served after the promotion (or their arrival) in ms: ${lateness.join(', ')}`);
    expect(results.map((r) => r.answer)).toEqual(results.map(() => 'b'));
    expect(Math.max(...lateness)).toBeLessThan(boundMs);
  }, 20_000);
});
