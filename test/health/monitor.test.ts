import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import type { RouterConfig } from '../../src/config/schema.js';
import { HealthMonitor } from '../../src/health/monitor.js';
import { track } from '../helpers/registry.js';
import type { Checker, CheckOutcome, CheckState } from '../../src/health/checker.js';
import { ClusterState } from '../../src/cluster/cluster-state.js';
import { silentLogger } from '../../src/log.js';

/** Scripted checkers: each node answers what the test says, at once. Fake timers drive the scheduler. */
function setup(health: Record<string, unknown> = {}) {
  const v = validateConfig({
    nodes: ['a', 'b'].map((name, i) => ({ name, host: '127.0.0.1', port: 10000 + i })),
    health: { kind: 'ha-status', ...health },
  });
  if (!v.ok) throw new Error(v.problems.join('\n'));
  const config: RouterConfig = v.config;
  const answers = new Map<string, CheckState>([
    ['a', 'active'],
    ['b', 'passive'],
  ]);
  const calls = new Map<string, number>();
  /** How long a node's check takes (ms, fake time); 0 by default. */
  const takes = new Map<string, number>();
  const cluster = new ClusterState(config.nodes, silentLogger());
  const monitor = new HealthMonitor(config.nodes, config.health, cluster, silentLogger(), {
    createChecker: (ctx): Checker => ({
      check: async (): Promise<CheckOutcome> => {
        calls.set(ctx.node.name, (calls.get(ctx.node.name) ?? 0) + 1);
        const ms = takes.get(ctx.node.name) ?? 0;
        if (ms > 0) {
          const state = answers.get(ctx.node.name)!; // what the node said when the check began
          await new Promise((r) => setTimeout(r, ms));
          return { state, reason: 'scripted' };
        }
        return { state: answers.get(ctx.node.name)!, reason: 'scripted' };
      },
      close: async () => {},
    }),
  });
  track(monitor);
  return { config, answers, calls, takes, cluster, monitor };
}

beforeEach(() => {
  vi.useFakeTimers();
});
/** setup(), started, with the first round of checks answered. */
async function started(health: Record<string, unknown> = {}) {
  const s = setup(health);
  s.monitor.start();
  await vi.advanceTimersByTimeAsync(0);
  return s;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('health monitor', () => {
  it('reports the first answers at once, then applies fall before taking the active role away', async () => {
    const { answers, cluster } = await started();
    expect(cluster.active()?.config.name).toBe('a');
    expect(cluster.get('b')?.state).toBe('passive');
    answers.set('a', 'down');
    await vi.advanceTimersByTimeAsync(200); // one failed check: fall 2 is not reached
    expect(cluster.get('a')?.state).toBe('active');
    await vi.advanceTimersByTimeAsync(100); // the second comes at the fast interval
    expect(cluster.get('a')?.state).toBe('down');
  });

  it('a node whose answer turns active takes the role at once (rise 1), even before the old one says passive', async () => {
    const { answers, cluster } = await started();
    answers.set('b', 'active');
    await vi.advanceTimersByTimeAsync(200);
    expect(cluster.active()?.config.name).toBe('b');
    // a still answers active (its check is older): it does not take the role back.
    await vi.advanceTimersByTimeAsync(1000);
    expect(cluster.active()?.config.name).toBe('b');
    answers.set('a', 'passive');
    await vi.advanceTimersByTimeAsync(1000);
    expect(cluster.get('a')?.state).toBe('passive');
  });

  it('"cannot tell" (alive) never takes the active role away', async () => {
    const { answers, cluster } = await started();
    answers.set('a', 'alive');
    await vi.advanceTimersByTimeAsync(2000);
    expect(cluster.active()?.config.name).toBe('a');
  });

  it('heals a dial that mistook the active for passive, and checks at intervalMs when settled', async () => {
    const { cluster, calls } = await started();
    cluster.report('a', 'passive', 'a client handshake was rejected', 'dial');
    await vi.advanceTimersByTimeAsync(200);
    expect(cluster.active()?.config.name).toBe('a');
    calls.clear();
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls.get('a')).toBe(10);
  });

  it('freshCheck: the answer of a check that starts after the call (not one already running), before fall applies it', async () => {
    const { answers, takes, cluster, monitor } = await started();
    takes.set('a', 300);
    await vi.advanceTimersByTimeAsync(250); // the check that began at 200 ms runs until 500 ms
    answers.set('a', 'passive'); // demoted while that check runs: it still says active
    const fresh = monitor.freshCheck('a', 5000);
    let answer: string | undefined = 'none yet';
    void fresh.then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(300);
    expect(answer).toBe('none yet'); // the running check ended 'active': it began before the call
    await vi.advanceTimersByTimeAsync(300); // the next one begins at once (asked for) and ends at 800 ms
    expect(answer).toBe('passive');
    expect(cluster.active()?.config.name).toBe('a'); // one passive answer: fall 2 keeps the model as it was
    expect(await monitor.freshCheck('nobody', 1000)).toBeUndefined();
    const late = monitor.freshCheck('a', 50); // no check ends within 50 ms
    await vi.advanceTimersByTimeAsync(60);
    expect(await late).toBeUndefined();
    const atStop = monitor.freshCheck('a', 5000);
    await monitor.stop();
    expect(await atStop).toBeUndefined();
  });

  it('stops: no check after stop()', async () => {
    const { calls, monitor } = await started();
    await monitor.stop();
    calls.clear();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls.size).toBe(0);
  });
});
