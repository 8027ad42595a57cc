import type net from 'node:net';
import type { Logger } from '../log.js';
import type { ListenerConfig } from '../config/schema.js';
import type { ConnectionContext, ConnectionState } from './connection-context.js';
import { Deadline } from './deadline.js';
import { sayLastWords } from './last-words.js';
import type { Handshake } from '../handshake/handshake.js';
import { selectForClient } from '../handshake/select.js';
import { ActiveWait } from '../cluster/active-wait.js';
import type { ReleaseReason } from '../cluster/hold-queue.js';
import { NodeTrial, type TrialResult } from '../upstream/node-trial.js';
import { hexPreview } from '../wire/classify.js';
import type { SocketPreset } from './inherited-options.js';
import { openSession } from './open-session.js';
import { claimedByKeptSession, handOverCommitted, handOverKept } from './http-handover.js';

/**
 * One client connection, from accept to 'close' (Envoy's downstream connection): wait for a
 * complete first message, tell the transport, wait while no node is active (held), try the nodes
 * with the client's handshake (NodeTrial), then hand both sockets to a Session. Until the commit
 * the client's bytes are kept for replay and every refusal is answered in the client's protocol.
 * Its listeners are attached once and removed by reference at the commit or the close.
 */
export class DownstreamConnection {
  state: ConnectionState = 'first-bytes';
  readonly id: number;
  /** Made on first use: most connections log nothing of their own below info (see debug()). */
  private ownLog: Logger | undefined;
  private readonly clientAddress: string;
  private pending: Buffer = Buffer.alloc(0);
  private handshake: Handshake | undefined;
  private trial: NodeTrial | undefined;
  /** Its wait for an active node while a failover is under way (cluster/active-wait.ts); made when it first waits. */
  private ownWait: ActiveWait | undefined;
  private clientEnded = false;
  private readonly firstBytesTimer: NodeJS.Timeout;
  /** From accept to commit, not counting held time (handshake.deadlineMs). */
  private readonly deadline: Deadline;

  constructor(
    private readonly socket: net.Socket,
    private readonly listener: ListenerConfig,
    private readonly ctx: ConnectionContext,
    /** The socket options the client socket inherited from the listening socket, if any. */
    private readonly inherited?: SocketPreset,
  ) {
    this.id = ctx.nextId();
    this.clientAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on('error', this.onError);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    ctx.handshakes.add(this);
    ctx.observer.clientAccepted(`${listener.host}:${listener.port}`);
    const ms = ctx.config().handshake.clientFirstBytesTimeoutMs;
    this.firstBytesTimer = setTimeout(() => this.refuse(`client sent no complete first message within ${ms} ms`, this.handshake?.timeoutReply(ms)), ms);
    const { deadlineMs } = ctx.config().handshake;
    this.deadline = new Deadline(deadlineMs, () => {
      const reason = `no complete handshake within ${deadlineMs} ms (handshake.deadlineMs)`;
      this.refuse(reason, this.handshake?.timeoutReply(deadlineMs));
    });
  }

  private get log(): Logger {
    return (this.ownLog ??= this.ctx.log.child({ conn: this.id, client: this.clientAddress }));
  }

  private get wait(): ActiveWait {
    return (this.ownWait ??= new ActiveWait(this.ctx, this.log));
  }

  /** A debug line with the connection's fields; nothing is built when debug is off. */
  private debug(fields: object, message: string): void {
    if (this.ctx.log.isLevelEnabled('debug')) this.log.debug(fields, message);
  }

  private readonly onError = (err: NodeJS.ErrnoException) => this.debug({ err }, 'client socket error during handshake');

  private readonly onData = (chunk: Buffer) => {
    if (!this.handshake) {
      this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
      if (!this.selectTransport()) return;
      chunk = this.pending;
    }
    const hs = this.handshake!;
    const check = hs.onClientData(chunk);
    if (check.kind === 'bad') return this.refuse(check.reason, check.reply);
    if (check.kind === 'commit-now') {
      if (!this.trial?.commitNow(check.reason)) this.refuse(check.reason, hs.ownAnswer(check.reason));
      return;
    }
    if (check.reply) this.socket.write(check.reply);
    if (this.trial) this.trial.forwardClientBytes(check.forward ?? chunk);
    else if (hs.readyToDial && this.state === 'first-bytes') this.begin();
  };

  /** True once a handshake parser is chosen for the client's transport. */
  private selectTransport(): boolean {
    const sel = selectForClient(this.pending, this.listener.transport, this.ctx.config());
    if (sel.kind === 'refuse') this.refuse(sel.reason, sel.reply);
    if (sel.kind !== 'handshake') return false;
    this.handshake = sel.handshake;
    this.debug({ transport: sel.handshake.transport }, 'client transport');
    return true;
  }

  private readonly onEnd = () => {
    this.clientEnded = true;
    if (this.state === 'first-bytes') this.close('client closed its side before a complete first message');
  };

  private readonly onClose = () => {
    if (this.state === 'closing') return;
    this.state = 'closing';
    this.detach();
    this.cleanUp('client left during the handshake');
  };

  /** A complete first message is here: wait for an active node if a failover is under way, else try the nodes. */
  private begin(): void {
    clearTimeout(this.firstBytesTimer);
    if (claimedByKeptSession(this.handshake!, this.ctx)) {
      this.state = 'committed';
      this.detach();
      handOverKept(this.handshake!, this.ctx, this.asClient());
      return this.cleanUp('committed');
    }
    if (ActiveWait.holdFirst(this.ctx)) this.holdThenTry();
    else this.tryNodes();
  }

  private holdThenTry(): void {
    this.state = 'held';
    this.deadline.pause();
    this.wait.hold(this.released);
  }

  private readonly released = (why: ReleaseReason): void => {
    if (this.state !== 'held') return;
    this.debug({ why, heldMs: this.wait.heldMs }, 'stopped waiting for an active node');
    if (why === 'shutdown') return this.close('router shutting down');
    this.tryNodes();
  };

  private tryNodes(): void {
    const config = this.ctx.config();
    const order = this.ctx.cluster.dialOrder();
    const first = order[0];
    const believedActive = first?.state === 'active' ? first.config.name : undefined;
    this.state = 'trying';
    this.deadline.run();
    const trial = new NodeTrial({
      handshake: this.handshake!,
      order,
      connectTimeoutMs: config.connectTimeoutMs,
      handshakeTimeoutMs: config.handshake.timeoutMs,
      // Every line of the trial is a debug line: without debug the router's logger drops them unbuilt.
      log: this.ctx.log.isLevelEnabled('debug') ? this.log : this.ctx.log,
      observer: this.ctx.observer,
      ready: this.ctx.ready,
      onInterimAnswer: (bytes) => this.writeAll(bytes),
    });
    this.trial = trial;
    // When the checks overtake the trial, start over in the new order.
    let restart = false;
    const unsubscribe = this.ctx.cluster.whenOrderChanges(first?.config.name, (reason) => {
      restart = true;
      trial.abort(reason);
    });
    trial.start();
    void trial.result.then((result) => {
      unsubscribe();
      this.trial = undefined;
      this.ctx.evidence.trialEnded(result, believedActive);
      if (this.state !== 'trying') return;
      if (result.kind === 'committed') return this.commit(result);
      if (result.kind === 'aborted') {
        if (restart) return this.tryNodes();
        return this.refuse(result.reason, this.handshake?.ownAnswer(result.reason));
      }
      this.failed(result);
    });
  }

  /** Every node refused: wait for an active node (cluster/active-wait.ts), or give the client its answer. */
  private failed(result: Extract<TrialResult, { kind: 'failed' }>): void {
    const judged = this.wait.judge(result, this.handshake!);
    if (judged.kind === 'wait') return this.holdThenTry();
    this.log.warn({ attempts: result.records.map((r) => `${r.node} ${r.address}: ${r.reason}`) }, 'no Livy node accepted the connection');
    this.ctx.observer.noNodeAccepted();
    this.refuse(judged.reason, judged.bytes);
  }

  /** Hands both sockets to a Session in the registry (open-session.ts); nothing refers to this object after that. */
  private commit(result: Extract<TrialResult, { kind: 'committed' }>): void {
    this.state = 'committed';
    // Not paused: the session takes both sockets in this same call, before any I/O callback can run.
    this.detach();
    if (this.handshake!.resumable && handOverCommitted(this.handshake!, this.ctx, this.asClient(), result, this.log)) return this.cleanUp('committed');
    this.writeAll(result.toClient);
    const hs = this.handshake!;
    const primed = this.ctx.config().session.observe ? hs.committedStream() : undefined;
    this.cleanUp('committed');
    this.debug({ node: result.node.config.name, transport: hs.transport, proof: result.proof }, 'connection opened');
    openSession(this.ctx, hs, primed, result, { ...this.asClient(), inherited: this.inherited });
  }

  /** The client as the session owners take it. */
  private asClient() {
    return { id: this.id, client: this.socket, clientAddress: this.clientAddress, clientEnded: this.clientEnded, heldMs: this.ownWait?.heldMs ?? 0 };
  }

  /** One write for the node's answer (SASL COMPLETE + OpenSession reply): cheaper than two writes or a writev. */
  private writeAll(bytes: readonly Buffer[]): void {
    if (bytes.length > 0) this.socket.write(bytes.length === 1 ? bytes[0]! : Buffer.concat(bytes));
  }

  /** The client gets our last words (if any), a FIN, and the socket is destroyed soon after. */
  refuse(reason: string, reply?: Buffer): void {
    if (this.state === 'closing' || this.state === 'committed') return;
    this.state = 'closing';
    this.detach();
    this.cleanUp(reason);
    this.log.info({ reason, firstBytes: this.handshake ? undefined : hexPreview(this.pending) || undefined }, `client refused: ${reason}`);
    this.ctx.observer.clientRefused(reason);
    sayLastWords(this.socket, reply);
  }

  private cleanUp(reason: string): void {
    this.ownWait?.cancel();
    this.trial?.abort(reason);
    this.handshake?.release();
  }

  /** Refuses the client now, in its protocol (a drain's deadline, a shutdown). */
  close(reason: string): void {
    this.refuse(reason, this.handshake?.ownAnswer(reason));
  }

  private detach(): void {
    clearTimeout(this.firstBytesTimer);
    this.deadline.clear();
    this.ctx.handshakes.delete(this);
    const { socket } = this;
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    socket.off('error', this.onError);
  }
}
