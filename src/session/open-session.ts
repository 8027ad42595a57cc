import type net from 'node:net';
import type { ConnectionContext } from '../listener/connection-context.js';
import type { TrialResult } from '../upstream/node-trial.js';
import type { CommittedStream } from '../handshake/handshake.js';
import { ObserveStage, observable } from './observe-stage.js';
import { Session } from './session.js';
import type { FilterFactory } from './filter.js';

export interface Committed {
  readonly id: number;
  readonly client: net.Socket;
  readonly clientAddress: string;
  readonly transport: string;
  /** The login name the handshake showed (never a password), for the closing log line. */
  readonly user: string | undefined;
  /** Time the client was held waiting for an active node. */
  readonly heldMs: number;
  readonly clientEnded: boolean;
  /** With session.observe: the handshake's Thrift bytes, where the session view starts. */
  readonly primed?: CommittedStream | undefined;
}

/**
 * The commit: both sockets become a Session, which owns them from here to their close and tells
 * the registry of its end itself. Nothing else keeps a committed connection alive.
 */
export function openSession(ctx: ConnectionContext, c: Committed, result: Extract<TrialResult, { kind: 'committed' }>): Session {
  const nodeName = result.node.config.name;
  const session = new Session({
    id: c.id,
    client: c.client,
    node: result.socket,
    nodeReader: result.reader,
    nodeName,
    transport: c.transport,
    clientAddress: c.clientAddress,
    user: c.user,
    heldMs: c.heldMs,
    opts: ctx.config().session,
    log: ctx.log,
    onDone: ctx.sessionEnded,
    filter: observeFilter(ctx, c),
  });
  ctx.registry.add(session);
  ctx.observer.sessionOpened(nodeName, c.transport);
  session.start(c.clientEnded);
  return session;
}

/** The observe stage, when configured and the session's bytes can be read (not TLS, not GSSAPI). */
function observeFilter(ctx: ConnectionContext, c: Committed): FilterFactory | undefined {
  const { observe, slowCallMs, logStatementDigests } = ctx.config().session;
  const primed = c.primed;
  if (!observe || !primed || !observable(c.transport)) return undefined;
  return () => {
    const stage = new ObserveStage({
      transport: c.transport,
      conn: c.id,
      user: c.user,
      log: ctx.log,
      observer: ctx.observer,
      slowCallMs,
      logStatementDigests,
    });
    stage.prime(primed.fromClient, primed.toClient);
    return stage;
  };
}
