import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { RouterObserver } from '../observe.js';
import type { SessionRegistry } from '../session/registry.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import type { Evidence } from '../cluster/evidence.js';
import type { HoldQueue } from '../cluster/hold-queue.js';

/** What every DownstreamConnection shares: the router's parts, read through, never copied. */
export interface ConnectionContext {
  /** Where clients wait while no node is active. */
  readonly hold: HoldQueue;
  readonly config: () => RouterConfig;
  readonly cluster: ClusterState;
  readonly evidence: Evidence;
  readonly registry: SessionRegistry;
  readonly log: Logger;
  readonly observer: RouterObserver;
  /** Connections between accept and commit; each removes itself when it commits or closes. */
  readonly handshakes: Set<{ close(reason: string): void }>;
  nextId(): number;
}

export type ConnectionState = 'first-bytes' | 'held' | 'trying' | 'committed' | 'closing';
