import type net from 'node:net';
import type { Logger } from '../log.js';
import type { ListenerConfig, RouterConfig } from '../config/schema.js';
import type { Handshake } from '../handshake/handshake.js';
import { selectHandshake } from '../handshake/select.js';
import type { ClusterState } from '../upstream/cluster-state.js';
import { NodeTrial, type TrialResult } from '../upstream/node-trial.js';
import type { Held, HoldQueue } from '../upstream/hold-queue.js';
import type { SessionRegistry } from '../session/registry.js';
import type { RouterObserver } from '../observe.js';
import { Session, type SessionOptions } from '../session/session.js';
import { classify, hexPreview } from './classify.js';

export interface AcceptContext {
  /** Where clients wait while no node is active. */
  readonly hold: HoldQueue;
  readonly config: () => RouterConfig;
  readonly cluster: ClusterState;
  readonly registry: SessionRegistry;
  readonly log: Logger;
  readonly observer: RouterObserver;
  nextId(): number;
}

/** How long a refused client gets to read our last words before its socket is destroyed. */
const LINGER_MS = 2000;

/**
 * The committed connection becomes a Session. Kept outside acceptClient so that what the session
 * keeps for its life (this closure) does not hold the handshake's closure context.
 */
function openSession(
  ctx: AcceptContext,
  id: number,
  client: net.Socket,
  result: Extract<TrialResult, { kind: 'committed' }>,
  transport: string,
  clientAddress: string,
  opts: SessionOptions,
  log: Logger,
  clientEnded: boolean,
): void {
  const nodeName = result.node.config.name;
  log.setBindings({ node: nodeName });
  const session: Session = new Session(id, client, result.socket, result.reader, nodeName, transport, clientAddress, opts, log, (summary) => {
    ctx.registry.remove(session);
    ctx.observer.sessionClosed(summary);
  });
  ctx.registry.add(session);
  ctx.observer.sessionOpened(nodeName, transport);
  log.debug({ transport }, 'connection committed');
  session.start(clientEnded);
}

/**
 * One client connection from accept to commit: wait for its first bytes, tell the transport,
 * try the nodes with its handshake, then hand both sockets to a Session. Until the commit the
 * client's bytes are kept (for replay) and every failure is answered in the client's protocol.
 */
export function acceptClient(client: net.Socket, listener: ListenerConfig, ctx: AcceptContext): void {
  const config = ctx.config();
  const id = ctx.nextId();
  const clientAddress = `${client.remoteAddress}:${client.remotePort}`;
  const log = ctx.log.child({ conn: id, client: clientAddress });
  let phase: 'first-bytes' | 'trial' | 'done' = 'first-bytes';
  let pending: Buffer = Buffer.alloc(0);
  let handshake: Handshake | undefined;
  let trial: NodeTrial | undefined;
  let clientEnded = false;
  let linger: NodeJS.Timeout | undefined;
  let held: Held | undefined;
  /** When this client first waited for an active node: it waits holdMs in all, at most. */
  let holdStartedAt: number | undefined;
  /** Waited once already, or the wait expired or the queue was full: the next answer is final. */
  let holdOver = false;

  client.on('error', (err: NodeJS.ErrnoException) => log.debug({ err }, 'client socket error during handshake'));
  ctx.observer.clientAccepted(`${listener.host}:${listener.port}`);

  const firstBytesMs = config.handshake.clientFirstBytesTimeoutMs;
  const firstBytesTimer = setTimeout(
    () => refuse(`client sent no complete first message within ${firstBytesMs} ms`, handshake?.timeoutReply?.(firstBytesMs)),
    firstBytesMs,
  );

  const detach = () => {
    clearTimeout(firstBytesTimer);
    client.off('data', onData);
    client.off('end', onEnd);
    client.off('close', onClose);
  };

  /** The client gets our last words (if any), a FIN, and the socket is destroyed soon after. */
  function refuse(reason: string, reply?: Buffer): void {
    if (phase === 'done') return;
    phase = 'done';
    detach();
    held?.cancel();
    trial?.abort(reason);
    handshake?.release();
    log.info({ reason, firstBytes: hexPreview(pending) || undefined }, `client refused: ${reason}`);
    ctx.observer.clientRefused(reason);
    client.on('close', () => clearTimeout(linger));
    if (reply) client.end(reply);
    else client.end();
    client.resume(); // read and drop whatever else it sends, so our FIN is not blocked by a full buffer
    linger = setTimeout(() => client.destroy(), LINGER_MS);
  }

  function onData(chunk: Buffer): void {
    if (phase === 'first-bytes' && !handshake) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const protocol = classify(pending);
      if (protocol === 'incomplete') return;
      const sel = selectHandshake(protocol, pending, {
        listenerTransport: listener.transport,
        nodeTransport: config.nodeTransport,
        maxBytes: config.handshake.maxBufferedBytes,
        maxHeaderBytes: config.handshake.maxHeaderBytes,
      });
      if (sel.kind === 'need-more') return;
      if (sel.kind === 'refuse') return refuse(sel.reason, sel.reply);
      handshake = sel.handshake;
      log.debug({ transport: handshake.transport }, 'client transport');
      chunk = pending;
    }
    if (!handshake || phase === 'done') return;
    const check = handshake.onClientData(chunk);
    if (check.kind === 'bad') return refuse(check.reason, check.reply);
    if (check.kind === 'commit-now') {
      if (trial) trial.commitNow(check.reason);
      else refuse(check.reason);
      return;
    }
    if (check.reply) client.write(check.reply);
    if (trial) trial.forwardClientBytes(chunk);
    else if (handshake.readyToDial && phase === 'first-bytes') startTrial(handshake);
  }

  function onEnd(): void {
    clientEnded = true;
    if (phase === 'first-bytes') refuse('client closed its side before a complete first message');
  }

  function onClose(): void {
    if (phase === 'done') return;
    phase = 'done';
    detach();
    held?.cancel();
    trial?.abort('client left during the handshake');
    handshake?.release();
    log.debug('client left during the handshake');
  }

  function startTrial(hs: Handshake): void {
    clearTimeout(firstBytesTimer);
    phase = 'trial';
    if (ctx.hold.shouldHold(config)) holdThenTry(hs);
    else runTrial(hs);
  }

  /** No node is active (a failover is under way): wait for one, then try the nodes. */
  function holdThenTry(hs: Handshake): void {
    const startedAt = (holdStartedAt ??= Date.now());
    held = ctx.hold.hold(
      Math.max(0, startedAt + config.holdMs - Date.now()),
      config.maxHeldConnections,
      (why) => {
        held = undefined;
        if (phase === 'done') return;
        log.debug({ why, heldMs: Date.now() - startedAt }, 'stopped waiting for an active node');
        if (why === 'shutdown') return refuse('router shutting down');
        if (why !== 'active') holdOver = true;
        runTrial(hs);
      },
      ctx.observer,
      log,
    );
  }

  function runTrial(hs: Handshake): void {
    // The checks can overtake a trial: the active it tries first is lost (hung, black-holed), or
    // a new active appears while it waits on a silent node. Start over in the new order then,
    // instead of waiting out the handshake timeout.
    const first = ctx.cluster.active()?.config.name;
    let restart = false;
    const current = new NodeTrial(
      client,
      hs,
      ctx.cluster,
      { connectTimeoutMs: config.connectTimeoutMs, handshakeTimeoutMs: config.handshake.timeoutMs },
      log,
      ctx.observer,
    );
    trial = current;
    const unsubscribe = ctx.cluster.onChange((c) => {
      if (c.source !== 'check') return;
      const lostFirst = c.node.name === first && c.from === 'active' && c.to !== 'active';
      const newActive = c.to === 'active' && c.node.name !== first;
      if (!lostFirst && !newActive) return;
      restart = true;
      current.abort(lostFirst ? `node ${first} lost during the handshake: ${c.reason}` : `node ${c.node.name} is active now`);
    });
    current.start();
    void current.result.then((result) => {
      unsubscribe();
      if (result.kind === 'aborted') {
        if (restart && phase === 'trial') {
          log.debug({ node: first, reason: result.reason }, 'trying the nodes again');
          return runTrial(hs);
        }
        if (phase !== 'done') refuse(result.reason);
        return;
      }
      if (result.kind === 'failed') {
        const queue = ctx.hold;
        // Refused by every node while none is active: the failover may not be over. Wait once
        // for an active; a second refusal is the client's answer (a wrong password stays wrong).
        if (!holdOver && queue.canHold(config)) {
          holdOver = true;
          trial = undefined;
          log.debug({ attempts: result.attempts }, 'no node accepted while none is active: waiting for one');
          return holdThenTry(hs);
        }
        const reply = hs.finalRejection(result.summary);
        log.warn({ attempts: result.attempts }, 'no Livy node accepted the connection');
        ctx.observer.noNodeAccepted();
        return refuse(result.summary, reply);
      }
      phase = 'done';
      client.pause();
      detach();
      hs.release();
      trial = undefined;
      openSession(ctx, id, client, result, hs.transport, clientAddress, config.session, log, clientEnded);
    });
  }

  client.on('data', onData);
  client.on('end', onEnd);
  client.on('close', onClose);
}
