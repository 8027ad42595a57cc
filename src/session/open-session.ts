import type net from 'node:net';
import type { ConnectionContext } from '../listener/connection-context.js';
import type { TrialResult } from '../upstream/node-trial.js';
import { Session } from './session.js';
import type { SocketPreset } from '../listener/inherited-options.js';

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
  /** Socket options the client socket inherited from the listener (listener/inherited-options.ts). */
  readonly clientInherited: SocketPreset | undefined;
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
    clientInherited: c.clientInherited,
    opts: ctx.config().session,
    log: ctx.log,
    onDone: ctx.sessionEnded,
  });
  ctx.registry.add(session);
  ctx.observer.sessionOpened(nodeName, c.transport);
  session.start(c.clientEnded);
  return session;
}
