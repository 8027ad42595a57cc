// An HTTP session's node could not be reached (a connect failed, or its socket dropped with a call
// in flight) while the cluster model still holds it active. In HTTP mode the session lives on the
// node, not on a TCP connection, so there is nothing to move unless the node is really lost. Waits
// for one of:
// - 'back': the node accepts a TCP connection again and, with role-aware checks, a check started
//   after that says active (a node demoted at the same moment accepts connections too);
// - 'lost': the model stops holding it active, or that check says passive (a failover, resumed as
//   usual);
// - 'timeout': the deadline.
// A probe is a bare TCP connect, closed at once: no bytes, so no OpenSession and nothing a Livy
// node starts for.
import type { ClusterState } from '../cluster/cluster-state.js';
import type { ChecksView } from '../cluster/evidence.js';
import { dial } from '../upstream/dial.js';

export type NodeReturn = 'back' | 'lost' | 'timeout';

/** Between two probes of an unreachable node. */
export const PROBE_EVERY_MS = 100;

export interface NodeReturnWait {
  readonly cluster: ClusterState;
  readonly checks: ChecksView;
  readonly node: string;
  readonly deadline: number;
  readonly connectTimeoutMs: number;
  /** Not the first wait of this outage: the first probe waits PROBE_EVERY_MS too (no tight loop on a node that accepts and drops). */
  readonly again: boolean;
  /** Aborted when the router stops: resolves 'timeout'. */
  readonly signal: AbortSignal;
}

export function awaitNodeReturn(w: NodeReturnWait): Promise<NodeReturn> {
  const { cluster, checks, node, deadline, signal } = w;
  const stillActive = (): boolean => cluster.active()?.config.name === node;
  const left = (): number => Math.max(1, deadline - Date.now());
  return new Promise<NodeReturn>((resolve) => {
    let cancelProbe: (() => void) | undefined;
    let retry: NodeJS.Timeout | undefined;
    let finished = false;
    const done = (result: NodeReturn): void => {
      if (finished) return;
      finished = true;
      clearTimeout(retry);
      clearTimeout(expiry);
      cancelProbe?.();
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    const onAbort = (): void => done('timeout');
    const again = (): void => {
      if (!finished) retry = setTimeout(probe, PROBE_EVERY_MS);
    };
    const confirm = async (): Promise<void> => {
      if (!checks.roleAware()) return done(stillActive() ? 'back' : 'lost');
      const said = await checks.freshCheck(node, left());
      if (said === 'passive') return done('lost');
      // 'alive' cannot tell the role: the model's word stands. 'down' alone proves nothing (a busy
      // active's check may time out): probe on until the model says so too, or the node is back.
      if (said === 'active' || said === 'alive') return done(stillActive() ? 'back' : 'lost');
      again();
    };
    const probe = (): void => {
      const config = cluster.get(node)?.config;
      if (!config || !stillActive()) return done('lost');
      const attempt = dial(config, Math.min(w.connectTimeoutMs, left()));
      cancelProbe = attempt.cancel;
      attempt.connected.then(
        (socket) => {
          cancelProbe = undefined;
          socket.destroy();
          void confirm();
        },
        () => {
          cancelProbe = undefined;
          again();
        },
      );
    };
    const expiry = setTimeout(() => done('timeout'), Math.max(0, deadline - Date.now()));
    const unsubscribe = cluster.onChange(() => {
      if (!stillActive()) done('lost');
    });
    if (signal.aborted) return done('timeout');
    signal.addEventListener('abort', onAbort);
    if (w.again) again();
    else probe();
  });
}
