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
    let closing = registry.sessionsOn(name);
    if (onActiveLost === 'resume') {
      // Sessions that can move do (resume/); the rest follow activeLostGraceMs as with close.
      closing = closing.filter((s) => !s.resume?.(reason));
      const resuming = open - closing.length;
      log.info({ node: name, resuming, closing: closing.length }, `${reason}; resuming ${resuming} session(s) (onActiveLost=resume)`);
      if (closing.length === 0) return;
    }
    const closeThem = (): void => {
      for (const s of closing) s.destroy(reason);
      log.info({ node: name, closed: closing.length }, reason);
    };
    if (grace === 0) return closeThem();
    log.info({ node: name, open: closing.length, graceMs: grace }, `${reason}; closing its connections in ${grace} ms`);
    const timer = setTimeout(() => {
      graceTimers.delete(timer);
      // The node may have become active again during the grace period: then its clients stay.
      if (cluster.get(name)?.state !== 'active') closeThem();
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
