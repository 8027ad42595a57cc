/**
 * A stage between a committed session's two sockets (Envoy's network filter). The Session calls it
 * on every read, and only when one is configured: without one the pipes run their own handlers.
 *
 * - `tap`: the Session forwards each read first, unchanged, then shows it to the stage. The stage
 *   cannot hold, change or add a byte (observe).
 * - `own`: the Session forwards nothing itself. The stage cuts the stream into whole units
 *   (wire/framer.ts) and writes through SessionOutputs what it lets pass, rewrites or injects; a
 *   `false` from a write pauses the source until the destination drains, as the pipes do.
 *
 * `bytes` is valid only during the call (node reads are views of a reused buffer): a stage copies
 * what it keeps. A stage must not throw: a stream it cannot follow is its own to give up on.
 */
export interface SessionFilter {
  readonly mode: 'tap' | 'own';
  fromClient(bytes: Buffer): void;
  fromNode(bytes: Buffer): void;
  /** Both sides have closed: what the stage adds to the "connection closed" line. */
  end(): Record<string, unknown>;
  /** What /status shows of the session's calls. */
  describe(now: number): Record<string, unknown>;
}

/** How an `own` stage writes; `false`: the other side is paused until this one drains. */
export interface SessionOutputs {
  toNode(bytes: Buffer): boolean;
  toClient(bytes: Buffer): boolean;
}

/** Builds a session's stage once its sockets are known (`outputs` is for `own` stages). */
export type FilterFactory = (outputs: SessionOutputs) => SessionFilter;
