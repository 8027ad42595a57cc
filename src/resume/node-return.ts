// An HTTP session's node could not be reached (a connect failed, or its socket dropped with a call
// in flight) while the checks still hold it active. In HTTP mode the session lives on the node, not
// on a TCP connection, so there is nothing to move unless the node is really lost: wait for the
// node to accept a TCP connection again ('back'), for the checks to stop holding it active
// ('lost': a failover, resumed as usual), or for the deadline ('timeout'). A probe is a bare TCP
// connect, closed at once: no bytes, so no OpenSession and nothing a Livy node starts for.
import type { ClusterState } from '../cluster/cluster-state.js';
import { dial } from '../upstream/dial.js';

export type NodeReturn = 'back' | 'lost' | 'timeout';

/** Between two probes of an unreachable node. */
export const PROBE_EVERY_MS = 100;

export function awaitNodeReturn(cluster: ClusterState, node: string, deadline: number, connectTimeoutMs: number, signal: AbortSignal): Promise<NodeReturn> {
  const stillActive = (): boolean => cluster.active()?.config.name === node;
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
    const probe = (): void => {
      const config = cluster.get(node)?.config;
      if (!config || !stillActive()) return done('lost');
      const attempt = dial(config, Math.max(1, Math.min(connectTimeoutMs, deadline - Date.now())));
      cancelProbe = attempt.cancel;
      attempt.connected.then(
        (socket) => {
          cancelProbe = undefined;
          socket.destroy();
          done(stillActive() ? 'back' : 'lost');
        },
        () => {
          cancelProbe = undefined;
          if (!finished) retry = setTimeout(probe, PROBE_EVERY_MS);
        },
      );
    };
    const expiry = setTimeout(() => done('timeout'), Math.max(0, deadline - Date.now()));
    const unsubscribe = cluster.onChange(() => {
      if (!stillActive()) done('lost');
    });
    if (signal.aborted) return done('timeout');
    signal.addEventListener('abort', onAbort);
    probe();
  });
}
