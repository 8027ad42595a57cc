/**
 * What the node-trial loop needs from a transport's handshake inspector. The inspector keeps the
 * client's bytes until a node has answered positively, so they can be replayed to the next node,
 * and decides from the node's first answers whether that node is the active one.
 */
export type Verdict = { kind: 'wait' } | { kind: 'commit' } | { kind: 'reject'; reason: string };

export interface NodeAnswer {
  verdict: Verdict;
  /** Bytes to deliver to the client now (before a commit, or all that is pending at commit). */
  toClient: Buffer[];
}

export type ClientCheck =
  /** `reply`: bytes the router answers the client itself (an HTTP 100 Continue). */
  | { kind: 'ok'; reply?: Buffer }
  /** The client has sent something the router cannot replay or inspect further: commit the current node. */
  | { kind: 'commit-now'; reason: string }
  /** The client's bytes are not what they claim to be; `reply` is an error in the client's protocol. */
  | { kind: 'bad'; reason: string; reply?: Buffer };

export interface Handshake {
  /** `sasl`, `nosasl`, `http` or `tls`: for logs and metrics. */
  readonly transport: string;
  /** True once enough client bytes are here to start dialling. */
  readonly readyToDial: boolean;
  readonly keptBytes: number;
  onClientData(chunk: Buffer): ClientCheck;
  /** Begins an attempt on a new node: returns every kept client byte, to replay. */
  startAttempt(): Buffer;
  onNodeData(chunk: Buffer): NodeAnswer;
  /** Node bytes received but not judged yet (a commit-now hands them to the client); clears them. */
  takeNodeBytes(): Buffer[];
  /** The node closed or failed before a verdict: the reason to log (the handshake may refine it). */
  nodeGone(reason: string): string;
  /** What a client that was too slow to send its first message receives, if its protocol has a word for it. */
  timeoutReply?(ms: number): Buffer | undefined;
  /** The last rejection came from the node believed active: it is the one to give the client. */
  preferLastRejection?(): void;
  /** The preferred rejection's bytes equal another node's rejection (it answered like a passive). */
  preferredMatchesAnother?(): boolean;
  /** What the client receives when every node rejected: the last fitting rejection, or our own error. */
  finalRejection(summary: string): Buffer | undefined;
  /** Drops the kept bytes once committed. */
  release(): void;
}
