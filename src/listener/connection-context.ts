import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { RouterObserver } from '../observe.js';
import type { Committed } from '../session/open-session.js';
import type { RegisteredSession, SessionRegistry } from '../session/registry.js';
import type { TrialResult } from '../upstream/node-trial.js';
import type { SessionSummary } from '../session/session.js';
import type { ClusterState } from '../upstream/cluster-state.js';
import type { Evidence } from '../upstream/evidence.js';
import type { HoldQueue } from '../upstream/hold-queue.js';

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
  /** One function for every session's end: out of the registry, into the metrics. */
  readonly sessionEnded: (session: RegisteredSession, summary: SessionSummary) => void;
  /** onActiveLost: resume: opens a resumable session when the commit carries a resume kit. */
  readonly openResumable?: (c: Committed, result: Extract<TrialResult, { kind: 'committed' }>) => RegisteredSession | undefined;
  /** Connections between accept and commit; each removes itself when it commits or closes. */
  readonly handshakes: Set<{ close(reason: string): void }>;
  nextId(): number;
}

export type ConnectionState = 'first-bytes' | 'held' | 'trying' | 'committed' | 'closing';
