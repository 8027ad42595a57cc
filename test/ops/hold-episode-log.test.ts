import { describe, expect, it } from 'vitest';
import { queryNode } from '../../sim/hive-client.js';
import { HOLD_EPISODE_END_MS } from '../../src/metrics/availability.js';
import { eventually } from '../helpers/eventually.js';
import { startTestRouter } from '../helpers/router.js';
import { startSimCluster } from '../helpers/sim.js';

const HOLD_MS = 3500;

describe('a hold episode is logged once', () => {
  it('one client held for its whole holdMs (released to retry every second): one warn, then one info when it is really over', async () => {
    const cluster = await startSimCluster({
      nodes: [
        { name: 'livy-1', passiveStyle: 'sasl-bad' },
        { name: 'livy-2', passiveStyle: 'sasl-bad' },
      ],
      active: 'livy-1',
    });
    const nodes = cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort, restPort: n.restPort }));
    const { service, port, lines } = await startTestRouter(nodes, { health: {}, holdMs: HOLD_MS });
    await eventually(() => service.router.cluster.active()?.config.name === 'livy-1', { what: 'the checks to find livy-1' });
    cluster.setActive(null);
    await eventually(() => service.router.cluster.active() === undefined, { what: 'the checks to see no active node' });

    const started = Date.now();
    const failed = await queryNode({ host: '127.0.0.1', port, timeoutMs: HOLD_MS + 5000 }).then(
      () => false,
      () => true,
    );
    const heldForMs = Date.now() - started;
    expect(failed).toBe(true);
    expect(heldForMs).toBeGreaterThanOrEqual(HOLD_MS - 100);
    // Before this fix: 4 info lines during the 3.5 s hold, one per retry, each false.
    const waiting = () => lines.filter((l) => l.msg === 'clients are waiting for an active Livy node');
    const over = () => lines.filter((l) => /^no client waiting for an active Livy node any more/.test(l.msg));
    // Not before the episode is over: nobody waited for HOLD_EPISODE_END_MS.
    expect(over()).toEqual([]);
    const end = await eventually(() => over()[0], { what: 'the end of the episode', timeoutMs: HOLD_EPISODE_END_MS + 2000 });
    console.info(`held ${heldForMs} ms: ${waiting().length} warn line(s), ${over().length} info line(s): ${end.msg}`);
    expect(waiting()).toHaveLength(1);
    expect(over()).toHaveLength(1);
    expect(end).toMatchObject({ level: 30, clientsHeld: 1 });
    expect(end.waitedMs).toBeGreaterThanOrEqual(HOLD_MS - 1500);
  }, 30_000);
});
