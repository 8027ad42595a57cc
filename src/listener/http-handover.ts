// onActiveLost: resume, HTTP: how a DownstreamConnection hands its client to resume/ (the
// ConnectionContext's openResumableHttp), either committed to a node by the trial, or at once when
// the first request names a session the router keeps (only that session's node knows it).
import type net from 'node:net';
import type { Handshake } from '../handshake/handshake.js';
import type { Logger } from '../log.js';
import type { TrialResult } from '../upstream/node-trial.js';
import type { ConnectionContext } from './connection-context.js';

interface Client {
  id: number;
  client: net.Socket;
  clientAddress: string;
  clientEnded: boolean;
  heldMs: number;
}

const EMPTY = Buffer.alloc(0);

/** onActiveLost: resume, HTTP: the first request names a session the router keeps, under the login that opened it. */
export function claimedByKeptSession(hs: Handshake, ctx: ConnectionContext): boolean {
  const first = hs.resumable?.transport === 'http' ? hs.committedStream()?.fromClient : undefined;
  return first !== undefined && ctx.claimsHttp?.(first) === true;
}

/** Read before the handshake's release(). The client is destroyed if resume/ will not own it. */
export function handOverKept(hs: Handshake, ctx: ConnectionContext, c: Client): void {
  c.client.pause();
  const unsent = hs.committedStream()?.fromClient ?? EMPTY;
  if (!ctx.openResumableHttp?.({ ...c, sent: EMPTY, received: EMPTY, unsent })) c.client.destroy();
}

/** True when resume/ owns the committed connection from here (the node's answer is its to relay). */
export function handOverCommitted(hs: Handshake, ctx: ConnectionContext, c: Client, result: Extract<TrialResult, { kind: 'committed' }>, log: Logger): boolean {
  const stream = hs.resumable?.transport === 'http' ? hs.committedStream() : undefined;
  if (!stream || hs.resumable?.transport !== 'http' || !ctx.openResumableHttp) return false;
  const node = { socket: result.socket, reader: result.reader, name: result.node.config.name };
  const received = result.toClient.length === 1 ? result.toClient[0]! : Buffer.concat(result.toClient);
  const kit = hs.resumable.kit;
  if (!ctx.openResumableHttp({ ...c, node, sent: stream.fromClient, received, unsent: EMPTY, ...(kit && { kit }) })) return false;
  log.debug({ node: node.name, transport: 'http', proof: result.proof }, 'connection opened');
  return true;
}
