/**
 * What a transport's handshake parser tells the node trial. Parsers are pure: client bytes and
 * node bytes in, verdicts out. They keep the client's bytes until a node has answered positively,
 * so the bytes can be replayed to the next node. Which node is active, and which rejection a
 * client finally gets, is not theirs to decide (cluster/rejection-ledger.ts, cluster/evidence.ts).
 */

/**
 * How much a commit proves about the node's role. `parsed`: the node answered the client's
 * OpenSession with a success status, as only an active node does. `blind`: the router could not
 * read the answer (TLS, a Kerberos token, an unparsed HTTP 200, a first call other than OpenSession)
 * and commits because the client cannot move on; it proves nothing about roles.
 */
export type Proof = 'parsed' | 'blind';

/** A node's refusal, as the client would have received it. */
export interface Rejection {
  readonly bytes: Buffer;
  /** The protocol stage the bytes answer (binary: 'sasl' or 'thrift'; 'http'; 'tls'). */
  readonly stage: string;
  /** What kind of refusal within the stage ('SASL BAD', 'SASL ERROR', 'OpenSession error', 'HTTP 503'). */
  readonly kind: string;
  /** The node's own words, for an answer the router makes in the client's protocol. */
  readonly message: string;
  /** More of its words that tell one refusal from another (an HTTP body), when the message lacks them. */
  readonly detail?: string;
}

export type Verdict = { kind: 'wait' } | { kind: 'commit'; proof: Proof } | { kind: 'reject'; reason: string; rejection?: Rejection };

export interface NodeAnswer {
  verdict: Verdict;
  /** Bytes to deliver to the client now (before a commit, or all that is pending at commit). */
  toClient: Buffer[];
}

export type ClientCheck =
  /** `reply`: bytes the router answers the client itself (an HTTP 100 Continue). `forward`: what
   * goes to a node being tried instead of the chunk (a rewritten or still-held first call). */
  | { kind: 'ok'; reply?: Buffer; forward?: Buffer }
  /** The client has sent something the router cannot replay or inspect further: commit the current node. */
  | { kind: 'commit-now'; reason: string }
  /** The client's bytes are not what they claim to be; `reply` is an error in the client's protocol. */
  | { kind: 'bad'; reason: string; reply?: Buffer };

/**
 * What a resumable session keeps of its handshake (onActiveLost: resume): memory only, never
 * logged. `login` holds the SASL PLAIN password and `openSession` may hold one too.
 */
export interface ResumeKit {
  readonly framing: 'sasl' | 'nosasl';
  /** SASL START and PLAIN frames as the client sent them; empty for NOSASL. */
  readonly login: Buffer;
  /** The OpenSession call (unframed) as sent to the node, with the session's livy.session.name. */
  readonly openSession: Buffer;
  /** The client's OpenSession before the router named it (for a fresh session under a new name). */
  readonly clientOpenSession: Buffer;
  readonly sessionName: string;
}

/**
 * What a resumable HTTP connection's handshake kept of a first OpenSession (onActiveLost: resume):
 * memory only, never logged (the call may carry a password).
 */
export interface HttpOpenKit {
  /** The OpenSession body (an unframed Thrift call) as sent to the node, with the session's livy.session.name. */
  readonly openSession: Buffer;
  /** The client's OpenSession body before the router named it (for a fresh session under a new name). */
  readonly clientOpenSession: Buffer;
  readonly sessionName: string;
}

/**
 * What resume/ gets of a resumable connection. binary: a PLAIN or NOSASL session whose first call
 * was an OpenSession. http: the first request was read whole; `kit` is set when it was an
 * OpenSession (named by the router unless the client named it).
 */
export type Resumable = { readonly transport: 'binary'; readonly kit: ResumeKit } | { readonly transport: 'http'; readonly kit: HttpOpenKit | undefined };

export interface CommittedStream {
  readonly fromClient: Buffer;
  readonly toClient: Buffer;
}

export interface Handshake {
  /** `sasl`, `nosasl`, `http` or `tls`: for logs and metrics. */
  readonly transport: string;
  /** Set when resume/ can own this connection (onActiveLost: resume); see Resumable. */
  readonly resumable?: Resumable;
  /** True once a complete first message is here: only then is a node dialled. */
  readonly readyToDial: boolean;
  /** The user the client logs in as, where the router can read it (SASL PLAIN); never a password. */
  readonly user: string | undefined;
  onClientData(chunk: Buffer): ClientCheck;
  /** Begins an attempt on a new node: returns every kept client byte, to replay. */
  startAttempt(): Buffer;
  onNodeData(chunk: Buffer): NodeAnswer;
  /** Node bytes received but not judged yet (a commit-now hands them to the client); clears them. */
  takeNodeBytes(): Buffer[];
  /** The node closed or failed before a verdict: the reason to log (the handshake may refine it). */
  nodeGone(reason: string): string;
  /** Whether a rejection can reach this client as it stands now (a NOSASL client cannot read a SASL frame). */
  deliverable(rejection: Rejection): boolean;
  /** The router's own refusal in the client's protocol, or undefined where the protocol has no word for it. */
  ownAnswer(message: string): Buffer | undefined;
  /** What a client that was too slow to send its first message receives. */
  timeoutReply(ms: number): Buffer | undefined;
  /**
   * The Thrift-phase bytes of the commit (the client's first call and the node's answer as relayed),
   * so a session view starts from the OpenSession it holds; undefined where the stream cannot be
   * read (GSSAPI, TLS). Read before release(); only a session with a filter asks.
   */
  committedStream(): CommittedStream | undefined;
  /** Drops the kept bytes once committed. */
  release(): void;
}
