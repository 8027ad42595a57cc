/** What a session reports when it ends (the 'connection closed' line and the metrics). */
export interface SessionSummary {
  id: number;
  node: string;
  transport: string;
  client: string;
  bytesFromClient: number;
  bytesToClient: number;
  durationMs: number;
  reason: string;
}

/** Why a node was not used for a client, in a small fixed set (metric labels stay bounded). */
export type RejectKind = 'connect-refused' | 'connect-timeout' | 'reset' | 'closed' | 'no-answer' | 'handshake-rejected';

/** The connection limit that refused a client at accept: per source, the listener's own, or the descriptor budget (a metric label). */
export type LimitKind = 'source' | 'listener' | 'descriptors';

/**
 * What the data path tells observers (metrics, status). The router calls these synchronously on
 * its hot paths, so implementations must be cheap and must not throw.
 */
export interface RouterObserver {
  clientAccepted(listener: string): void;
  clientRefused(reason: string): void;
  /** A connection limit (per source, per listener, the descriptor budget) refused a client at accept. */
  limitRefused(kind: LimitKind): void;
  dialAttempt(node: string): void;
  dialRejected(node: string, kind: RejectKind): void;
  noNodeAccepted(): void;
  sessionOpened(node: string, transport: string): void;
  sessionClosed(summary: SessionSummary): void;
  /** A client is waiting for an active node (+1) or stopped waiting (-1). */
  held(delta: 1 | -1): void;
  /** The router ran out of a local resource (EMFILE, ENOBUFS, ...) at accept or dial. */
  localError(): void;
  /** onActiveLost: resume: a session moved to the new active (`reattached`: same Livy session). */
  sessionResumed?(r: { from: string; to: string; transport: string; ms: number; replayed: number; reattached: boolean }): void;
  /** A resumable HTTP client connection now talks to another node (its sessions moved there). */
  connectionMoved?(from: string, to: string, transport: string): void;
  /** A session could not be resumed and was closed; `reason` is a small fixed set. */
  resumeFailed?(reason: string): void;
  /** A resumed session ended: its reattached Livy session is not stopped (it lives until Livy's timeout). */
  resumedSessionEnded?(): void;
  /** With session.observe: a TCLIService call ended; `seconds` from request to reply, when both were seen. */
  thriftCall(method: string, outcome: 'ok' | 'error' | 'no-reply', seconds: number | undefined): void;
}

export const noopObserver: RouterObserver = {
  clientAccepted: () => {},
  clientRefused: () => {},
  limitRefused: () => {},
  dialAttempt: () => {},
  dialRejected: () => {},
  noNodeAccepted: () => {},
  sessionOpened: () => {},
  sessionClosed: () => {},
  held: () => {},
  localError: () => {},
  thriftCall: () => {},
};
