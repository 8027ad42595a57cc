import type net from 'node:net';
import type { Logger } from '../log.js';
import type { Handshake, NodeAnswer } from '../handshake/handshake.js';
import { RouterError } from '../errors.js';
import type { RejectKind, RouterObserver } from '../observe.js';
import type { ClusterState, NodeStatus } from './cluster-state.js';
import { dial, type Dial } from './dial.js';
import type { NodeReader } from './node-reader.js';

export interface TrialOptions {
  connectTimeoutMs: number;
  handshakeTimeoutMs: number;
}

export type TrialResult =
  | { kind: 'committed'; node: NodeStatus; socket: net.Socket; reader: NodeReader }
  | { kind: 'failed'; summary: string; attempts: string[] }
  | { kind: 'aborted'; reason: string };

interface Attempt {
  node: NodeStatus;
  dial: Dial;
  socket?: net.Socket;
  timer?: NodeJS.Timeout;
  done: boolean;
}

/**
 * Tries each node in turn with one client's handshake: replays the kept client bytes, lets the
 * handshake judge the node's answers, and moves on when a node refuses, resets, closes, hangs or
 * rejects. Before the commit a failure means "next node"; the caller owns what happens after.
 *
 * The client socket stays with the caller, which passes its later bytes on through
 * `forwardClientBytes`.
 */
export class NodeTrial {
  private readonly order: readonly NodeStatus[];
  private index = -1;
  private current: Attempt | undefined;
  private readonly attempts: string[] = [];
  private finish!: (r: TrialResult) => void;
  private finished = false;
  /** The node believed active rejected this client's handshake (see onFailed). */
  private rejectedByActive: { name: string; reason: string } | undefined;
  readonly result: Promise<TrialResult>;

  constructor(
    private readonly client: net.Socket,
    private readonly handshake: Handshake,
    private readonly cluster: ClusterState,
    private readonly opts: TrialOptions,
    private readonly log: Logger,
    private readonly observer: RouterObserver,
  ) {
    this.order = cluster.dialOrder();
    this.result = new Promise((resolve) => (this.finish = resolve));
  }

  start(): void {
    this.next();
  }

  /** Client bytes that arrived after the handshake saw them: pass them to the node being tried. */
  forwardClientBytes(chunk: Buffer): void {
    this.current?.socket?.write(chunk);
  }

  /** The client can no longer be replayed: commit the node being tried, or fail if there is none. */
  commitNow(reason: string): void {
    const a = this.current;
    if (a?.socket && !a.done) {
      this.log.debug({ node: a.node.config.name, reason }, 'committing early');
      // Whatever the node has said that the handshake had not judged yet goes to the client too.
      this.commit(a, this.handshake.takeNodeBytes());
    } else {
      this.end({ kind: 'aborted', reason });
    }
  }

  abort(reason: string): void {
    this.end({ kind: 'aborted', reason });
  }

  private next(): void {
    if (this.finished) return;
    this.index++;
    const status = this.order[this.index];
    if (!status) {
      const summary = `no Livy node accepted the connection: ${this.attempts.join('; ') || 'no nodes configured'}`;
      this.end({ kind: 'failed', summary, attempts: this.attempts });
      return;
    }
    const { name, host, port } = status.config;
    const attempt: Attempt = { node: status, dial: dial({ name, host, port }, this.opts.connectTimeoutMs), done: false };
    this.current = attempt;
    this.log.debug({ node: name, address: `${host}:${port}`, state: status.state }, 'dialling node');
    this.observer.dialAttempt(name);
    attempt.dial.connected.then(
      (socket) => this.onConnected(attempt, socket),
      (err: RouterError) =>
        err.code === 'LR_CONNECT_FAILED'
          ? this.onFailed(attempt, err.message, 'down', 'connect-refused')
          : this.onFailed(attempt, err.message, undefined, 'connect-timeout'),
    );
  }

  private onConnected(a: Attempt, socket: net.Socket): void {
    if (a.done || this.finished) {
      socket.destroy();
      return;
    }
    a.socket = socket;
    socket.on('error', (err: NodeJS.ErrnoException) => this.onFailed(a, this.handshake.nodeGone(`reset (${err.code ?? err.message})`), 'passive', 'reset'));
    socket.on('end', () => this.onFailed(a, this.handshake.nodeGone('closed'), 'passive', 'closed'));
    socket.on('close', () => this.onFailed(a, this.handshake.nodeGone('closed'), 'passive', 'closed'));
    // Handshake answers are small and kept across reads: copy a borrowed view (node-reader.ts).
    a.dial.reader.sink = (view, borrowed) => this.onNodeData(a, borrowed ? Buffer.from(view) : view);
    // A timeout says nothing certain of the node (the client may be the slow one), so it changes
    // no state: health checks decide whether a silent node is hung. A node they hold down gets
    // no more than a connect timeout, or a hung node tried last would keep every client of a
    // cluster with no active node waiting the whole handshake timeout for its final answer.
    const waitMs = a.node.state === 'down' ? Math.min(this.opts.handshakeTimeoutMs, this.opts.connectTimeoutMs) : this.opts.handshakeTimeoutMs;
    a.timer = setTimeout(() => this.onFailed(a, `no answer within ${waitMs} ms`, undefined, 'no-answer'), waitMs);
    socket.write(this.handshake.startAttempt());
  }

  private onNodeData(a: Attempt, chunk: Buffer): void {
    if (a.done) return;
    const answer: NodeAnswer = this.handshake.onNodeData(chunk);
    if (answer.verdict.kind === 'commit') return this.commit(a, answer.toClient);
    for (const b of answer.toClient) this.client.write(b);
    if (answer.verdict.kind === 'reject') this.onFailed(a, answer.verdict.reason, 'passive', 'handshake-rejected');
  }

  private commit(a: Attempt, toClient: Buffer[]): void {
    this.settle(a);
    const socket = a.socket!;
    // Stop the flow before our listeners go, so no byte is emitted with nobody listening.
    socket.pause();
    a.dial.reader.sink = () => {};
    socket.removeAllListeners('end');
    socket.removeAllListeners('close');
    socket.removeAllListeners('error');
    socket.on('error', () => {}); // the session attaches its own handler next, synchronously
    for (const b of toClient) this.client.write(b);
    this.end({ kind: 'committed', node: a.node, socket, reader: a.dial.reader });
  }

  /** `state` is what this failure says of the node; undefined when it says nothing certain. */
  private onFailed(a: Attempt, reason: string, state: 'passive' | 'down' | undefined, kind: RejectKind): void {
    if (a.done) return;
    this.observer.dialRejected(a.node.config.name, kind);
    this.settle(a);
    a.socket?.destroy();
    const { name, host, port } = a.node.config;
    this.attempts.push(`${name} ${host}:${port}: ${reason}`);
    this.log.debug({ node: name, reason }, 'node rejected the connection');
    // (HTTP answers that count as rejections, 307/308/502/503, never come from a client's mistake.)
    if (kind === 'handshake-rejected' && this.handshake.preferLastRejection && this.cluster.get(name)?.state === 'active') {
      // The active node answers a wrong password with SASL BAD too, so a rejection from it may
      // say more about this client than about the node: demoting it at once would cut every
      // other client's connection. Decide at the end of the trial (`reportOutcome`); meanwhile its
      // answer is the one this client gets if no other node accepts.
      this.handshake.preferLastRejection();
      this.rejectedByActive = { name, reason };
    } else if (state) {
      this.cluster.report(name, state, reason, 'dial');
    }
    this.next();
  }

  /**
   * What the trial's outcome tells the cluster model. The node that accepted is the active. A
   * believed active that refused the client is demoted when another node took the client (a
   * failover), or when every node refused and it answered exactly as another did (a passive's
   * answer: no new leader yet); an answer of its own (a login failure) was about the client.
   */
  private reportOutcome(result: TrialResult): void {
    const r = this.rejectedByActive;
    this.rejectedByActive = undefined;
    const demote = result.kind === 'committed' || (result.kind === 'failed' && this.handshake.preferredMatchesAnother?.() === true);
    if (r && demote) this.cluster.report(r.name, 'passive', r.reason, 'dial');
    if (result.kind === 'committed') this.cluster.report(result.node.config.name, 'active', 'accepted a client handshake', 'dial');
  }

  private settle(a: Attempt): void {
    a.done = true;
    if (a.timer) clearTimeout(a.timer);
    a.dial.cancel();
  }

  private end(result: TrialResult): void {
    if (this.finished) return;
    this.finished = true;
    this.reportOutcome(result);
    const a = this.current;
    if (a && !a.done) {
      this.settle(a);
      a.socket?.destroy();
    }
    this.finish(result);
  }
}
