import type { ClusterState, NodeStatus } from '../cluster/cluster-state.js';

export interface Waiting {
  /** The active node, or undefined at the deadline or after cancel(). */
  readonly node: Promise<NodeStatus | undefined>;
  /** The client left: stop waiting (idempotent). */
  cancel(): void;
}

/**
 * The node a REST request goes to. With role-aware checks: the active one, waiting for one up to
 * `untilMs` (epoch ms) while a failover is under way. Without them nothing would ever announce an
 * active node, so the first in dial order not in `skip` (nodes that refused this request) is tried
 * at once; a 307 from it names the active.
 */
export function waitForActive(cluster: ClusterState, roleAware: boolean, untilMs: number, skip: ReadonlySet<string> = new Set()): Waiting {
  const order = cluster.dialOrder();
  const now = cluster.active() ?? (roleAware ? undefined : (order.find((s) => !skip.has(s.config.name)) ?? order[0]));
  const waitMs = untilMs - Date.now();
  if (now || waitMs <= 0) return { node: Promise.resolve(now), cancel: () => {} };
  let finish: (n: NodeStatus | undefined) => void = () => {};
  const node = new Promise<NodeStatus | undefined>((resolve) => {
    const timer = setTimeout(() => finish(undefined), waitMs);
    const stop = cluster.onChange((c) => {
      if (c.to === 'active') finish(cluster.active());
    });
    finish = (n) => {
      clearTimeout(timer);
      stop();
      finish = () => {};
      resolve(n);
    };
  });
  return { node, cancel: () => finish(undefined) };
}
