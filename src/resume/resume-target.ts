// Where a session whose node was lost is re-opened: the active node, once it is not the lost one.
// One exception: the session's socket dropped while the model still holds its node active (a
// reset on the network, the node's Thrift service restarting alone, a firewall's idle timeout).
// Then a check that starts at that moment decides: if it says the node is still active, the
// session is re-opened on that same node (its connection was lost, not the node); passive or down,
// the session waits for the new active as in any failover.
import type { ClusterState, NodeStatus } from '../cluster/cluster-state.js';
import type { ChecksView } from '../cluster/evidence.js';
import type { DialTarget } from '../upstream/dial.js';
import { ResumeError } from './reattach.js';

const targetOf = ({ config: { name, host, port } }: NodeStatus): DialTarget => ({ name, host, port });

/** `sameNode`: `lost` itself may be the answer (see above). Rejects with ResumeError('no-active') at the deadline. */
export function resumeTarget(cluster: ClusterState, checks: ChecksView, lost: string, deadline: number, sameNode: boolean): Promise<DialTarget> {
  const other = (): DialTarget | undefined => {
    const active = cluster.active();
    return active && active.config.name !== lost ? targetOf(active) : undefined;
  };
  const now = other();
  if (now) return Promise.resolve(now);
  return new Promise<DialTarget>((resolve, reject) => {
    let settled = false;
    const done = (err?: Error, target?: DialTarget): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      if (target) resolve(target);
      else reject(err);
    };
    const timer = setTimeout(() => done(new ResumeError('no-active', `no active node other than ${lost} within holdMs`)), Math.max(0, deadline - Date.now()));
    const unsubscribe = cluster.onChange(() => {
      const target = other();
      if (target) done(undefined, target);
    });
    if (!sameNode || cluster.active()?.config.name !== lost || !checks.roleAware()) return;
    void checks.freshCheck(lost, Math.max(1, deadline - Date.now())).then((said) => {
      const active = cluster.active();
      if (said === 'active' && active?.config.name === lost) done(undefined, targetOf(active));
    });
  });
}
