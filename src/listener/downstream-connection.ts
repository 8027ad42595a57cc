import type net from 'node:net';
import type { Logger } from '../log.js';
import type { ListenerConfig, RouterConfig } from '../config/schema.js';
import type { Handshake } from '../handshake/handshake.js';
import { selectHandshake } from '../handshake/select.js';
import type { ClusterState, StateChange } from '../upstream/cluster-state.js';
import type { Evidence } from '../upstream/evidence.js';
import { HOLD_RETRY_MS, HOLD_RETRY_WITH_CHECKS_MS, type Held, type HoldQueue, type ReleaseReason } from '../upstream/hold-queue.js';
import { NodeTrial, type TrialResult } from '../upstream/node-trial.js';
import type { SessionRegistry } from '../session/registry.js';
import { Session, type SessionSummary } from '../session/session.js';
import type { RouterObserver } from '../observe.js';
import { classify, hexPreview } from './classify.js';

export interface ConnectionContext {
  /** Where clients wait while no node is active. */
  readonly hold: HoldQueue;
  readonly config: () => RouterConfig;
  readonly cluster: ClusterState;
  readonly evidence: Evidence;
  readonly roleAwareChecks: () => boolean;
  readonly registry: SessionRegistry;
  readonly log: Logger;
  readonly observer: RouterObserver;
  nextId(): number;
}

export type ConnectionState = 'first-bytes' | 'held' | 'trying' | 'committed' | 'closing';

/** How long a refused client gets to read our last words before its socket is destroyed. */
const LINGER_MS = 2000;

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
  private held: Held | undefined;
  private session: Session | undefined;
  /** When this client first waited for an active node: it waits holdMs in all, at most. */
  private holdStartedAt: number | undefined;
  /** The hold ran out (or the queue was full): the next answer is final. */
  private holdOver = false;
  /** Held once already because the checks called a node active that answered like a passive. */
  private waitedForCheck = false;
  private clientEnded = false;
  private readonly firstBytesTimer: NodeJS.Timeout;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly listener: ListenerConfig,
    private readonly ctx: ConnectionContext,
  ) {
    this.id = ctx.nextId();
    this.clientAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.log = ctx.log.child({ conn: this.id, client: this.clientAddress });
    socket.on('error', this.onError);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onClose);
    ctx.observer.clientAccepted(`${listener.host}:${listener.port}`);
    const ms = ctx.config().handshake.clientFirstBytesTimeoutMs;
    this.firstBytesTimer = setTimeout(() => this.refuse(`client sent no complete first message within ${ms} ms`, this.handshake?.timeoutReply(ms)), ms);
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
    const protocol = classify(this.pending);
    if (protocol === 'incomplete') return false;
    const config = this.ctx.config();
    const sel = selectHandshake(protocol, this.pending, {
      listenerTransport: this.listener.transport,
      nodeTransport: config.nodeTransport,
      maxBytes: config.handshake.maxBufferedBytes,
      maxHeaderBytes: config.handshake.maxHeaderBytes,
    });
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
    if (this.state === 'first-bytes') this.refuse('client closed its side before a complete first message');
  };

  private readonly onClose = () => {
    if (this.state === 'closing') return;
    this.state = 'closing';
    this.cleanUp('client left during the handshake');
    this.log.debug('client left during the handshake');
  };

  /** A complete first message is here: wait for an active node if a failover is under way, else try the nodes. */
  private begin(): void {
    clearTimeout(this.firstBytesTimer);
    const { holdMs } = this.ctx.config();
    if (this.ctx.hold.shouldHoldFirst(holdMs, this.ctx.roleAwareChecks())) this.holdThenTry();
    else this.tryNodes();
  }

  private holdThenTry(): void {
    const config = this.ctx.config();
    const startedAt = (this.holdStartedAt ??= Date.now());
    this.state = 'held';
    this.held = this.ctx.hold.hold({
      waitMs: Math.max(0, startedAt + config.holdMs - Date.now()),
      max: config.maxHeldConnections,
      retryMs: this.ctx.roleAwareChecks() ? HOLD_RETRY_WITH_CHECKS_MS : HOLD_RETRY_MS,
      observer: this.ctx.observer,
      log: this.log,
      release: (why) => this.released(why, startedAt),
    });
  }

  private released(why: ReleaseReason, startedAt: number): void {
    this.held = undefined;
    if (this.state !== 'held') return;
    this.log.debug({ why, heldMs: Date.now() - startedAt }, 'stopped waiting for an active node');
    if (why === 'shutdown') return this.refuse('router shutting down', this.handshake?.ownAnswer('router shutting down'));
    if (why === 'expired' || why === 'full') this.holdOver = true;
    this.tryNodes();
  }

  private tryNodes(): void {
    const config = this.ctx.config();
    const order = this.ctx.cluster.dialOrder();
    const first = order[0];
    const believedActive = first?.state === 'active' ? first.config.name : undefined;
    this.state = 'trying';
    const trial = new NodeTrial({
      handshake: this.handshake!,
      order,
      connectTimeoutMs: config.connectTimeoutMs,
      handshakeTimeoutMs: config.handshake.timeoutMs,
      log: this.log,
      observer: this.ctx.observer,
      onInterimAnswer: (bytes) => {
        for (const b of bytes) this.socket.write(b);
      },
    });
    this.trial = trial;
    // The checks can overtake a trial: the node it tries first is lost (hung, black-holed), or a
    // new active appears while it waits on a silent node. Start over in the new order then.
    let restart = false;
    const unsubscribe = this.ctx.cluster.onChange((c: StateChange) => {
      if (c.source !== 'check') return;
      const lostFirst = c.node.name === first?.config.name && c.from === 'active' && c.to !== 'active';
      if (!lostFirst && !(c.to === 'active' && c.node.name !== first?.config.name)) return;
      restart = true;
      trial.abort(lostFirst ? `node ${c.node.name} lost during the handshake: ${c.reason}` : `node ${c.node.name} is active now`);
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

  /**
   * Every node refused. Wait for an active node when a failover may be under way: the nodes that
   * answered answered alike (as passives do), and the active did not answer for itself (it is
   * silent, or answered like the passives while the checks do not confirm it). An answer of the
   * active's own (a wrong password) is the client's answer at once.
   */
  private failed(result: Extract<TrialResult, { kind: 'failed' }>, config: RouterConfig): void {
    const waited = this.holdStartedAt !== undefined;
    const timeLeft = !waited || Date.now() < this.holdStartedAt! + config.holdMs;
    const active = this.ctx.cluster.active()?.config.name;
    const activeSpoke = result.records.some((r) => r.node === active && r.rejection);
    // The checks still call it active, yet it answered like the passives: a demotion the checks
    // have not seen yet, or a client the passives refuse too (HiveServer2's log in the client
    // first). The refusal asked for a check now; wait once for it to decide.
    const confirmed = activeSpoke && this.ctx.evidence.checksConfirmActive(active!);
    const ownAnswer = activeSpoke && (!result.answer.unanimous || (confirmed && this.waitedForCheck));
    if (!this.holdOver && timeLeft && result.answer.unanimous && !ownAnswer && this.ctx.hold.canHold(config.holdMs)) {
      if (confirmed) this.waitedForCheck = true;
      this.log.debug({ attempts: result.records.length }, 'no node accepted while none is active: waiting for one');
      return this.holdThenTry();
    }
    this.log.warn({ attempts: result.records.map((r) => `${r.node} ${r.address}: ${r.reason}`) }, 'no Livy node accepted the connection');
    this.ctx.observer.noNodeAccepted();
    if (waited && !this.ctx.cluster.active()) {
      const last = result.answer.from ? `; last answer from ${result.answer.from}` : '';
      const message = `no active Livy node for ${config.holdMs} ms${last}: ${result.summary}`;
      return this.refuse(message, this.handshake!.ownAnswer(message) ?? result.answer.bytes);
    }
    this.refuse(result.summary, result.answer.bytes);
  }

  private commit(result: Extract<TrialResult, { kind: 'committed' }>): void {
    this.state = 'committed';
    const { socket } = this;
    socket.pause();
    this.detach();
    for (const b of result.toClient) socket.write(b);
    const transport = this.handshake!.transport;
    this.handshake!.release();
    this.handshake = undefined;
    const nodeName = result.node.config.name;
    this.log.setBindings({ node: nodeName });
    const session = new Session({
      id: this.id,
      client: socket,
      node: result.socket,
      nodeReader: result.reader,
      nodeName,
      transport,
      clientAddress: this.clientAddress,
      opts: this.ctx.config().session,
      log: this.log,
      onDone: this.onSessionDone,
    });
    this.session = session;
    this.ctx.registry.add(session);
    this.ctx.observer.sessionOpened(nodeName, transport);
    this.log.debug({ transport, proof: result.proof }, 'connection opened');
    session.start(this.clientEnded);
  }

  private readonly onSessionDone = (summary: SessionSummary) => {
    this.state = 'closing';
    this.ctx.registry.remove(this.session!);
    this.ctx.observer.sessionClosed(summary);
  };

  /** The client gets our last words (if any), a FIN, and the socket is destroyed soon after. */
  refuse(reason: string, reply?: Buffer): void {
    if (this.state === 'closing' || this.state === 'committed') return;
    this.state = 'closing';
    this.detach();
    this.cleanUp(reason);
    this.log.info({ reason, firstBytes: this.handshake ? undefined : hexPreview(this.pending) || undefined }, `client refused: ${reason}`);
    this.ctx.observer.clientRefused(reason);
    const { socket } = this;
    socket.on('error', () => {});
    socket.once('close', () => clearTimeout(this.lingerTimer));
    if (reply) socket.end(reply);
    else socket.end();
    socket.resume(); // read and drop whatever else it sends, so our FIN is not blocked by a full buffer
    this.lingerTimer = setTimeout(() => socket.destroy(), LINGER_MS);
  }

  private cleanUp(reason: string): void {
    clearTimeout(this.firstBytesTimer);
    this.held?.cancel();
    this.held = undefined;
    this.trial?.abort(reason);
    this.handshake?.release();
  }

  private detach(): void {
    clearTimeout(this.firstBytesTimer);
    const { socket } = this;
    socket.off('data', this.onData);
    socket.off('end', this.onEnd);
    socket.off('close', this.onClose);
    socket.off('error', this.onError);
  }
}
