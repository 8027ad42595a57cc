import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { RouterObserver } from '../observe.js';
import type { OpenRequest, SessionRegistry } from '../session/registry.js';
import type net from 'node:net';
import type { HttpOpenKit, ResumeKit } from '../handshake/handshake.js';
import type { NodeReader } from '../session/node-reader.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import type { Evidence } from '../cluster/evidence.js';
import type { HoldQueue } from '../cluster/hold-queue.js';
import type { ReadySource } from '../upstream/dial.js';

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
  /** onActiveLost: resume: opens a resumable session for a commit with a resume kit (true), or not. */
  readonly openResumable?: (req: OpenRequest, kit: ResumeKit) => boolean;
  /** onActiveLost: resume, HTTP: owns a client connection whose first request was read whole (true), or not. */
  readonly openResumableHttp?: (req: HttpOpenRequest) => boolean;
  /** onActiveLost: resume, HTTP: a first request names a session the router keeps, under its login. */
  readonly claimsHttp?: (firstRequest: Buffer) => boolean;
  /** Connections between accept and commit; each removes itself when it commits or closes. */
  readonly handshakes: Set<{ close(reason: string): void }>;
  nextId(): number;
}

export type ConnectionState = 'first-bytes' | 'held' | 'trying' | 'committed' | 'closing';

/** A resumable HTTP client connection handed over by its handshake (resume/http-connection.ts). */
export interface HttpOpenRequest {
  readonly id: number;
  readonly client: net.Socket;
  readonly clientAddress: string;
  readonly heldMs: number;
  readonly clientEnded: boolean;
  /** The node the handshake committed to; none when the first request names a kept session. */
  readonly node?: { socket: net.Socket; reader: NodeReader; name: string };
  /** Client bytes the node has been sent already, and the node's bytes not yet relayed. */
  readonly sent: Buffer;
  readonly received: Buffer;
  /** Client bytes no node has been sent yet. */
  readonly unsent: Buffer;
  readonly kit?: HttpOpenKit;
}
