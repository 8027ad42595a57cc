// One client request of a resumable HTTP connection as http-requests.ts tracks it, how it is read
// (classify), and what the requests need of the connection that owns the sockets. Memory only,
// never logged.
import type { HttpOpenKit } from '../handshake/handshake.js';
import type { WholeMessage } from '../wire/http-exchange.js';
import { readCall, type CallView, type ReplyView } from '../wire/tcli-view.js';
import type { HttpSession } from './http-session.js';
import type { HttpSessionTable } from './http-session-table.js';
import { statementKind, type StatementKind } from './statement-kind.js';

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
  /** A large response to it is being relayed as it comes: a second one cannot follow. */
  relaying?: boolean;
  /** How often its node socket dropped while it was in flight. */
  drops?: number;
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

/** A whole client request as the router tracks it: its call, and its session when the table keeps one for that login. */
export function classify(table: HttpSessionTable, raw: Buffer, msg: WholeMessage): Request {
  const req: Request = { raw, msg };
  try {
    req.call = readCall(msg.body, table.limits.maxBodyBytes);
  } catch {
    return req; // not a Thrift call we read: forwarded as it is
  }
  const session = table.lookup(msg.body, req.call);
  if (session?.honours(msg.head)) req.session = session;
  if (req.call.statement !== undefined) req.kind = statementKind(req.call.statement);
  return req;
}
