// One client request of a resumable HTTP connection as http-requests.ts tracks it, and what the
// requests need of the connection that owns the sockets. Memory only, never logged.
import type { HttpOpenKit } from '../handshake/handshake.js';
import type { WholeMessage } from '../wire/http-exchange.js';
import type { CallView, ReplyView } from '../wire/tcli-view.js';
import type { HttpSession } from './http-session.js';
import type { StatementKind } from './statement-kind.js';

export type Reply = { message: Buffer; view: ReplyView } | undefined;

export interface Request {
  /** As the client sent it (head + body). */
  raw: Buffer;
  msg: WholeMessage;
  call?: CallView;
  session?: HttpSession;
  kind?: StatementKind;
  /** An OpenSession: its successful reply opens a session in the table. */
  open?: HttpOpenKit;
  /** What went to the node (kept for a 401's one re-send). */
  out?: Buffer;
  authRetried?: boolean;
  /** A call of the router's own (a lost operation re-issued): its reply is consumed here. */
  internal?: (reply: Reply) => void;
}

/** What the requests need of the connection that owns the sockets. */
export interface RequestPort {
  readonly id: number;
  /** The node of the current node socket, if any. */
  readonly nodeName: string | undefined;
  /** Writes to a socket to `target` (the current node when undefined), dialling one if needed; false when it cannot. */
  send(target: string | undefined, bytes: Buffer): Promise<boolean>;
  toClient(bytes: Buffer): void;
  /** Today's clean close, with the reason for the closing line. */
  close(reason: string): void;
}
