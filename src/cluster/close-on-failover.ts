import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { ClusterState, StateChange } from './cluster-state.js';
import type { SessionRegistry } from '../session/registry.js';

/**
 * What happens to clients when the active node is lost (down, demoted, hung): their connections
 * are closed, at once or after `activeLostGraceMs`, so they reconnect through the router to the
 * new active; or kept (`onActiveLost: keep`). Returns its stop, which cancels pending graces.
 */
export function closeOnActiveLost(cluster: ClusterState, registry: SessionRegistry, config: () => RouterConfig, log: Logger): () => void {
  const graceTimers = new Set<NodeJS.Timeout>();

  const onChange = (change: StateChange): void => {
    if (change.from !== 'active') return;
    const name = change.node.name;
    const open = registry.count(name);
    if (open === 0) return;
    const reason = `active node ${name} lost: ${change.reason}`;
    const { onActiveLost, activeLostGraceMs: grace } = config();
    if (onActiveLost === 'keep') {
      log.info({ node: name, open }, `${reason}; keeping ${open} connection(s) (onActiveLost=keep)`);
      return;
    }
    if (grace === 0) {
      log.info({ node: name, closed: registry.closeNode(name, reason) }, reason);
      return;
    }
    log.info({ node: name, open, graceMs: grace }, `${reason}; closing its connections in ${grace} ms`);
    const timer = setTimeout(() => {
      graceTimers.delete(timer);
      // The node may have become active again during the grace period: then its clients stay.
      if (cluster.get(name)?.state === 'active') return;
      log.info({ node: name, closed: registry.closeNode(name, reason) }, reason);
    }, grace);
    graceTimers.add(timer);
  };

  const unsubscribe = cluster.onChange(onChange);
  return () => {
    unsubscribe();
    for (const t of graceTimers) clearTimeout(t);
    graceTimers.clear();
  };
}
