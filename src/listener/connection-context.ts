import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { RouterObserver } from '../observe.js';
import type { SessionRegistry } from '../session/registry.js';
import type { Session, SessionSummary } from '../session/session.js';
import type { ClusterState } from '../upstream/cluster-state.js';
import type { Evidence } from '../upstream/evidence.js';
import type { HoldQueue } from '../upstream/hold-queue.js';
import type { ReadySource } from '../upstream/node-trial.js';

/** What every DownstreamConnection shares: the router's parts, read through, never copied. */
export interface ConnectionContext {
  /** Where clients wait while no node is active. */
  readonly hold: HoldQueue;
  readonly config: () => RouterConfig;
  readonly cluster: ClusterState;
  readonly evidence: Evidence;
  /** Connected sockets to the active node; a trial takes one only for a complete first message. */
  readonly ready: ReadySource;
  readonly registry: SessionRegistry;
  readonly log: Logger;
  readonly observer: RouterObserver;
  /** One function for every session's end: out of the registry, into the metrics. */
  readonly sessionEnded: (session: Session, summary: SessionSummary) => void;
  /** Connections between accept and commit; each removes itself when it commits or closes. */
  readonly handshakes: Set<{ close(reason: string): void }>;
  nextId(): number;
}

export type ConnectionState = 'first-bytes' | 'held' | 'trying' | 'committed' | 'closing';
