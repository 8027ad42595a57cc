import type net from 'node:net';
import type { Logger } from '../log.js';
import type { ListenerConfig, RouterConfig } from '../config/schema.js';
import type { ConnectionContext, ConnectionState } from './connection-context.js';
import { Deadline } from './deadline.js';
import { sayLastWords } from './last-words.js';
import type { Handshake } from '../handshake/handshake.js';
import { selectForClient } from '../handshake/select.js';
import type { Held, ReleaseReason } from '../upstream/hold-queue.js';
import { shouldWait } from '../upstream/hold-policy.js';
import { NodeTrial, type TrialResult } from '../upstream/node-trial.js';
import { openSession } from '../session/open-session.js';
import { hexPreview } from './classify.js';
import type { SocketPreset } from './inherited-options.js';

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
  /** Made on first use: most connections never log before their commit (issue 22: a child costs a few us). */
  private childLog: Logger | undefined;
  private readonly clientAddress: string;
  private pending: Buffer = Buffer.alloc(0);
  private handshake: Handshake | undefined;
  private trial: NodeTrial | undefined;
  private held: Held | undefined;
  /** When this client first waited for an active node: it waits holdMs in all, at most. */
  private holdStartedAt: number | undefined;
  /** See WaitSoFar (upstream/hold-policy.ts); heldMs: time held in all, for the closing log line. */
  private holdOver = false;
  private waitedForCheck = false;
  private heldMs = 0;
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

  /** One pino child per connection, bound with its id and client address (STYLE.md 7). */
  private get log(): Logger {
    return (this.childLog ??= this.ctx.log.child({ conn: this.id, client: this.clientAddress }));
  }

  /** Debug lines only when debug is on: their arguments and the child logger cost even when pino drops them. */
  private get debugging(): boolean {
    return this.ctx.log.isLevelEnabled('debug');
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
    if (this.trial) this.trial.forwardClientBytes(chunk);
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
    if (this.debugging) this.log.debug({ transport: sel.handshake.transport }, 'client transport');
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
    if (this.ctx.hold.shouldHoldFirst(this.ctx.config().holdMs, this.ctx.evidence.roleAwareChecks())) this.holdThenTry();
    else this.tryNodes();
  }

  private holdThenTry(): void {
    const config = this.ctx.config();
    const since = Date.now();
    const startedAt = (this.holdStartedAt ??= since);
    this.state = 'held';
    this.deadline.pause();
    this.held = this.ctx.hold.hold({
      waitMs: Math.max(0, startedAt + config.holdMs - Date.now()),
      max: config.maxHeldConnections,
      roleAwareChecks: this.ctx.evidence.roleAwareChecks(),
      observer: this.ctx.observer,
      log: this.log,
      release: (why) => this.released(why, since),
    });
  }

  private released(why: ReleaseReason, since: number): void {
    this.held = undefined;
    this.heldMs += Date.now() - since;
    if (this.state !== 'held') return;
    this.log.debug({ why, heldMs: this.heldMs }, 'stopped waiting for an active node');
    if (why === 'shutdown') return this.close('router shutting down');
    if (why === 'expired' || why === 'full') this.holdOver = true;
    this.tryNodes();
  }

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
      // The trial logs at debug only: without debug it gets the router's logger, no child made.
      log: this.debugging ? this.log : this.ctx.log,
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
      this.failed(result, config);
    });
  }

  /** Every node refused: wait for an active node (upstream/hold-policy.ts), or give the client its answer. */
  private failed(result: Extract<TrialResult, { kind: 'failed' }>, config: RouterConfig): void {
    const { cluster, evidence, hold } = this.ctx;
    const so = { startedAt: this.holdStartedAt, over: this.holdOver, waitedForCheck: this.waitedForCheck };
    const view = {
      active: cluster.active()?.config.name,
      checksConfirmActive: (n: string) => evidence.checksConfirmActive(n),
      canHold: hold.canHold(config.holdMs),
      holdMs: config.holdMs,
    };
    const decision = shouldWait(result, so, view);
    this.waitedForCheck = decision.waitedForCheck;
    if (decision.wait) {
      this.log.debug({ attempts: result.records.length }, 'every node refused alike and the active did not answer for itself: waiting for one');
      return this.holdThenTry();
    }
    this.log.warn({ attempts: result.records.map((r) => `${r.node} ${r.address}: ${r.reason}`) }, 'no Livy node accepted the connection');
    this.ctx.observer.noNodeAccepted();
    if (this.holdStartedAt !== undefined && !cluster.active()) {
      const last = result.answer.from ? `; last answer from ${result.answer.from}` : '';
      const message = `no active Livy node for ${config.holdMs} ms${last}: ${result.summary}`;
      return this.refuse(message, this.handshake!.ownAnswer(message) ?? result.answer.bytes);
    }
    this.refuse(result.summary, result.answer.bytes);
  }

  /** Hands both sockets to a Session (session/open-session.ts); nothing refers to this object after that. */
  private commit(result: Extract<TrialResult, { kind: 'committed' }>): void {
    this.state = 'committed';
    const { socket } = this;
    socket.pause();
    this.detach();
    this.writeAll(result.toClient);
    const { transport, user } = this.handshake!;
    this.cleanUp('committed');
    if (this.debugging) this.log.debug({ node: result.node.config.name, transport, proof: result.proof }, 'connection opened');
    openSession(
      this.ctx,
      {
        id: this.id,
        client: socket,
        clientAddress: this.clientAddress,
        transport,
        user,
        heldMs: this.heldMs,
        clientEnded: this.clientEnded,
        clientInherited: this.inherited,
      },
      result,
    );
  }

  /** One write syscall for the node's answer (SASL COMPLETE and the OpenSession reply come as two buffers). */
  private writeAll(bytes: readonly Buffer[]): void {
    if (bytes.length === 1) return void this.socket.write(bytes[0]!);
    this.socket.cork();
    for (const b of bytes) this.socket.write(b);
    this.socket.uncork();
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
    this.held?.cancel();
    this.held = undefined;
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
