// The commit's last step: both sockets become a session in the registry, a resumable one where
// the handshake kept what a resume needs (resume/), else a plain Session with the observe tap when
// session.observe is on. Nothing refers to the connection's handshake object after this.
import type net from 'node:net';
import type { Handshake } from '../handshake/handshake.js';
import type { TrialResult } from '../upstream/node-trial.js';
import { observeFilter } from '../session/observe-stage.js';
import { notResumableWhy } from '../session/not-resumable.js';
import type { ConnectionContext } from './connection-context.js';
import type { SocketPreset } from './inherited-options.js';

export interface CommittedClient {
  readonly id: number;
  readonly client: net.Socket;
  readonly clientAddress: string;
  readonly clientEnded: boolean;
  readonly heldMs: number;
  readonly inherited: SocketPreset | undefined;
}

/** `primed`: the handshake's committed stream, read before its release (observe only). */
export function openSession(
  ctx: ConnectionContext,
  hs: Handshake,
  primed: ReturnType<Handshake['committedStream']>,
  result: Extract<TrialResult, { kind: 'committed' }>,
  c: CommittedClient,
): void {
  const { transport, user, resumable } = hs;
  const config = ctx.config();
  const opts = config.session;
  const filter = observeFilter(primed, { transport, conn: c.id, user, log: ctx.log, observer: ctx.observer, session: opts });
  const req = {
    id: c.id,
    client: c.client,
    node: result.socket,
    nodeReader: result.reader,
    nodeName: result.node.config.name,
    transport,
    clientAddress: c.clientAddress,
    user,
    heldMs: c.heldMs,
    opts,
    log: ctx.log,
    clientEnded: c.clientEnded,
    clientInherited: c.inherited,
    ...(filter && { filter }),
  };
  // A resumable session reads its own messages (resume/): the observe tap is not installed on it.
  if (resumable?.transport === 'binary' && ctx.openResumable?.(req, resumable.kit)) return;
  const notResumable = config.onActiveLost === 'resume' ? notResumableWhy(transport) : undefined;
  ctx.registry.open(notResumable ? { ...req, notResumable } : req);
}
