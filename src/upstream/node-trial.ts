import type net from 'node:net';
import type { Logger } from '../log.js';
import type { NodeConfig } from '../config/schema.js';
import type { Handshake, NodeAnswer, Proof, Rejection } from '../handshake/handshake.js';
import type { RejectKind, RouterObserver } from '../observe.js';
import type { NodeReader } from '../session/node-reader.js';
import { dial, type Dial, type ReadySource } from './dial.js';
import { isLocalError } from './local-errors.js';

/**
 * A node as the trial sees it: the cluster model's NodeStatus fits. The trial reads only whether
 * the model holds it down (a shorter wait) or active (see TrialResult's `believedActive`).
 */
export interface TrialNode {
  readonly config: NodeConfig;
  readonly state: string;
}

/** What one node did with one client's handshake. */
export interface AttemptRecord {
  readonly node: string;
  /** host:port dialled. */
  readonly address: string;
  readonly outcome: RejectKind | 'local-error';
  readonly reason: string;
  /** The node's refusal in its protocol, when it gave one (a SASL frame, an OpenSession error, an HTTP status). */
  readonly rejection?: Rejection;
}

export interface TrialOptions {
  readonly handshake: Handshake;
  /** The nodes to try, in order (the cluster model's dial order when the trial starts). */
  readonly order: readonly TrialNode[];
  readonly connectTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly log: Logger;
  readonly observer: RouterObserver;
  /** Node bytes the client must see before any commit (an empty SASL COMPLETE); the owner writes them. */
  readonly onInterimAnswer: (bytes: Buffer[]) => void;
  /** Connected sockets to the active node (upstream/ready-connections.ts); the trial dials when it has none. */
  readonly ready?: ReadySource;
}

export type TrialResult =
  | {
      kind: 'committed';
      node: TrialNode;
      /** The node socket, still reading (take it before the next I/O callback), with none of the trial's listeners left on it. */
      socket: net.Socket;
      reader: NodeReader;
      /** The node's answer, for the client. */
      toClient: Buffer[];
      proof: Proof;
      records: readonly AttemptRecord[];
    }
  /** Every node refused; what the client gets is the cluster's call (cluster/rejection-ledger.ts). */
  | { kind: 'failed'; summary: string; records: readonly AttemptRecord[]; believedActive: string | undefined }
  | { kind: 'aborted'; reason: string; records: readonly AttemptRecord[] };

/** One node being tried; its listeners are named so that they can be removed by reference. */
class Attempt {
  socket: net.Socket | undefined;
  timer: NodeJS.Timeout | undefined;
  done = false;
  /** The node has sent a byte on this connection. */
  spoke = false;
  readonly dial: Dial;
  /** The connection came from the ready set (connected before this client's message was complete). */
  readonly fromReady: boolean;

  constructor(
    readonly node: TrialNode,
    private readonly trial: NodeTrial,
    connectTimeoutMs: number,
    ready: ReadySource | undefined,
  ) {
    const taken = ready?.take(node);
    this.fromReady = taken !== undefined;
    this.dial = taken ?? dial(node.config, connectTimeoutMs);
  }

  readonly onError = (err: NodeJS.ErrnoException): void => this.trial.nodeFailed(this, `reset (${err.code ?? err.message})`, 'reset');
  readonly onEnd = (): void => this.trial.nodeFailed(this, 'closed', 'closed');
  readonly onClose = (): void => this.trial.nodeFailed(this, 'closed', 'closed');

  attach(socket: net.Socket): void {
    this.socket = socket;
    socket.on('error', this.onError);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
  }

  /** Stops listening to the node; the socket is destroyed unless it is handed on. */
  settle(handOn: boolean): void {
    this.done = true;
    clearTimeout(this.timer);
    this.dial.cancel();
    this.dial.reader.sink = () => {};
    const s = this.socket;
    if (!s) return;
    s.off('end', this.onEnd);
    s.off('close', this.onClose);
    s.off('error', this.onError);
    // Handed on unpaused: the owner attaches its reader in the microtask that delivers the result,
    // before any I/O callback can run (a pause and resume would cost two epoll_ctl calls).
    if (!handOn) {
      s.on('error', () => {}); // a late error on a destroyed socket must not be unhandled
      s.destroy();
    }
  }
}

/**
 * "Find me a node": tries each node in turn with one client's handshake, replaying the kept client
 * bytes, and lets the handshake judge the node's answers. Refused, reset, closed, silent or
 * rejecting nodes mean "next node". It never writes to the client and never changes the cluster
 * model: it returns what happened (the records) and, on success, the node socket; its owner
 * delivers bytes and cluster/evidence.ts decides what the records say about the nodes.
 */
export class NodeTrial {
  private index = -1;
  private current: Attempt | undefined;
  private readonly records: AttemptRecord[] = [];
  private finish!: (r: TrialResult) => void;
  private finished = false;
  readonly result: Promise<TrialResult>;

  constructor(private readonly opts: TrialOptions) {
    this.result = new Promise((resolve) => (this.finish = resolve));
  }

  start(): void {
    this.next();
  }

  /** Client bytes that arrived after the handshake saw them: pass them to the node being tried. */
  forwardClientBytes(chunk: Buffer): void {
    const a = this.current;
    if (a && !a.done) a.socket?.write(chunk);
  }

  /** The client can no longer be replayed: commit the node being tried (blind), or end if there is none. */
  commitNow(reason: string): boolean {
    const a = this.current;
    if (!a?.socket || a.done) return false;
    this.opts.log.debug({ node: a.node.config.name, reason }, 'committing early');
    // Whatever the node has said that the handshake had not judged yet goes to the client too.
    this.commit(a, this.opts.handshake.takeNodeBytes(), 'blind');
    return true;
  }

  abort(reason: string): void {
    this.end({ kind: 'aborted', reason, records: this.records });
  }

  private next(): void {
    if (this.finished) return;
    this.index++;
    const status = this.opts.order[this.index];
    if (!status) {
      const summary = `no Livy node accepted the connection: ${this.records.map((r) => `${r.node} ${r.address}: ${r.reason}`).join('; ') || 'no nodes configured'}`;
      this.end({ kind: 'failed', summary, records: this.records, believedActive: this.believedActive() });
      return;
    }
    const attempt = new Attempt(status, this, this.opts.connectTimeoutMs, this.opts.ready);
    this.opts.log.debug({ node: status.config.name, state: status.state, ready: attempt.fromReady }, 'dialling node');
    this.opts.observer.dialAttempt(status.config.name);
    this.watch(attempt);
  }

  private watch(attempt: Attempt): void {
    this.current = attempt;
    attempt.dial.connected.then(
      (socket) => this.onConnected(attempt, socket),
      (err: NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException }) => {
        const code = err.cause?.code;
        if (code !== undefined && isLocalError(code)) return this.nodeFailed(attempt, err.message, 'local-error');
        this.nodeFailed(attempt, err.message, err.code === 'LR_CONNECT_TIMEOUT' ? 'connect-timeout' : 'connect-refused');
      },
    );
  }

  /** The node the model held active when the trial began: its refusal is the one a client gets. */
  private believedActive(): string | undefined {
    const first = this.opts.order[0];
    return first?.state === 'active' ? first.config.name : undefined;
  }

  private onConnected(a: Attempt, socket: net.Socket): void {
    if (a.done || this.finished) {
      socket.destroy();
      return;
    }
    a.attach(socket);
    const hs = this.opts.handshake;
    // Handshake answers are small and kept across reads: copy a borrowed view (node-reader.ts).
    a.dial.reader.sink = (view, borrowed) => {
      a.spoke = true;
      this.onNodeData(a, hs.onNodeData(borrowed ? Buffer.from(view) : view));
    };
    // A timeout says nothing certain of the node (the client may be the slow one). A node the
    // model holds down gets no more than a connect timeout, or a hung node tried last would keep
    // every client of a cluster with no active node waiting the whole handshake timeout.
    const waitMs = a.node.state === 'down' ? Math.min(this.opts.handshakeTimeoutMs, this.opts.connectTimeoutMs) : this.opts.handshakeTimeoutMs;
    a.timer = setTimeout(() => this.nodeFailed(a, `no answer within ${waitMs} ms`, 'no-answer'), waitMs);
    socket.write(hs.startAttempt());
  }

  private onNodeData(a: Attempt, answer: NodeAnswer): void {
    if (a.done) return;
    const { verdict, toClient } = answer;
    if (verdict.kind === 'commit') return this.commit(a, toClient, verdict.proof);
    if (toClient.length) this.opts.onInterimAnswer(toClient);
    if (verdict.kind === 'reject') this.nodeFailed(a, verdict.reason, 'handshake-rejected', verdict.rejection);
  }

  private commit(a: Attempt, toClient: Buffer[], proof: Proof): void {
    a.settle(true);
    this.end({ kind: 'committed', node: a.node, socket: a.socket!, reader: a.dial.reader, toClient, proof, records: this.records });
  }

  /** Called by an Attempt's listeners too. */
  nodeFailed(a: Attempt, reason: string, kind: RejectKind | 'local-error', rejection?: AttemptRecord['rejection']): void {
    if (a.done) return;
    if (a.fromReady && !a.spoke && (kind === 'reset' || kind === 'closed')) return this.retryFresh(a, reason);
    const { name, host, port } = a.node.config;
    const full = kind === 'reset' || kind === 'closed' ? this.opts.handshake.nodeGone(reason) : reason;
    a.settle(false);
    if (kind !== 'local-error') this.opts.observer.dialRejected(name, kind);
    this.records.push({ node: name, address: `${host}:${port}`, outcome: kind, reason: full, ...(rejection ? { rejection } : {}) });
    this.opts.log.debug({ node: name, reason: full }, 'node did not take the connection');
    this.next();
  }

  /** A ready connection failed before the node said a word (closed while it waited): no evidence, one fresh dial to the same node. */
  private retryFresh(a: Attempt, reason: string): void {
    a.settle(false);
    this.opts.ready?.retried();
    this.opts.log.debug({ node: a.node.config.name, reason }, 'ready connection failed before the node answered: dialling afresh');
    this.watch(new Attempt(a.node, this, this.opts.connectTimeoutMs, undefined));
  }

  private end(result: TrialResult): void {
    if (this.finished) return;
    this.finished = true;
    const a = this.current;
    if (a && !a.done) a.settle(false);
    this.finish(result);
  }
}
