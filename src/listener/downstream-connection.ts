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
import { observeFilter } from '../session/observe-stage.js';
import { notResumableWhy } from '../session/not-resumable.js';
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
  private readonly log: Logger;
  private readonly clientAddress: string;
  private pending: Buffer = Buffer.alloc(0);
  private handshake: Handshake | undefined;
  private trial: NodeTrial | undefined;
  /** Its wait for an active node while a failover is under way (cluster/active-wait.ts). */
  private readonly wait: ActiveWait;
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
    this.log = ctx.log.child({ conn: this.id, client: this.clientAddress });
    this.wait = new ActiveWait(ctx, this.log);
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

  private readonly onError = (err: NodeJS.ErrnoException) => this.log.debug({ err }, 'client socket error during handshake');

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
    if (sel.kind === 'need-more') return false;
    if (sel.kind === 'refuse') {
      this.refuse(sel.reason, sel.reply);
      return false;
    }
    this.handshake = sel.handshake;
    this.log.debug({ transport: sel.handshake.transport }, 'client transport');
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
      handOverKept(this.handshake!, this.ctx, this.asClient(0));
      return this.cleanUp('committed');
    }
    if (this.wait.holdFirst()) this.holdThenTry();
    else this.tryNodes();
  }

  private holdThenTry(): void {
    this.state = 'held';
    this.deadline.pause();
    this.wait.hold(this.released);
  }

  private readonly released = (why: ReleaseReason): void => {
    if (this.state !== 'held') return;
    this.log.debug({ why, heldMs: this.wait.heldMs }, 'stopped waiting for an active node');
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
      log: this.log,
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

  /** Hands both sockets to a Session in the registry; nothing refers to this object after that. */
  private commit(result: Extract<TrialResult, { kind: 'committed' }>): void {
    this.state = 'committed';
    const { socket } = this;
    socket.pause();
    this.detach();
    if (handOverCommitted(this.handshake!, this.ctx, this.asClient(this.wait.heldMs), result, this.log)) return this.cleanUp('committed');
    this.writeAll(result.toClient);
    const { transport, user, resumeKit } = this.handshake!;
    const { session: opts } = this.ctx.config();
    const primed = opts.observe ? this.handshake!.committedStream() : undefined;
    this.cleanUp('committed');
    const { id, clientAddress, clientEnded } = this;
    const nodeName = result.node.config.name;
    this.log.debug({ node: nodeName, transport, proof: result.proof }, 'connection opened');
    const sockets = { client: socket, node: result.socket, nodeReader: result.reader };
    const filter = observeFilter(primed, { transport, conn: id, user, log: this.ctx.log, observer: this.ctx.observer, session: opts });
    const base = { id, ...sockets, nodeName, transport, clientAddress, user, heldMs: this.wait.heldMs, opts, log: this.ctx.log, clientEnded };
    const req = { ...base, clientInherited: this.inherited, ...(filter && { filter }) };
    // A resumable session reads its own messages (resume/): the observe tap is not installed on it.
    if (resumeKit && this.ctx.openResumable?.(req, resumeKit)) return;
    const notResumable = this.ctx.config().onActiveLost === 'resume' ? notResumableWhy(transport) : undefined;
    this.ctx.registry.open({ ...req, ...(notResumable && { notResumable }) });
  }
  private asClient(heldMs: number) {
    return { id: this.id, client: this.socket, clientAddress: this.clientAddress, clientEnded: this.clientEnded, heldMs };
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
    this.wait.cancel();
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
