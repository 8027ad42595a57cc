// What a successful reply teaches the router-wide HTTP session table: an OpenSession's reply opens
// a session (with the login that sent it), any other call's reply goes to its session's ledger.
import type { HttpHead } from '../wire/http-message.js';
import { setCookies } from '../wire/http-exchange.js';
import { handleBytes, type ReplyView } from '../wire/tcli-view.js';
import { AUTH_COOKIE } from './http-cookies.js';
import type { Request } from './http-request.js';
import { routeOf } from './http-session.js';
import type { HttpSessionTable } from './http-session-table.js';

export function learnReply(
  table: HttpSessionTable,
  connId: number,
  req: Request,
  reply: { message: Buffer; view: ReplyView },
  head: HttpHead,
  node: string,
): void {
  const { call, session } = req;
  if (!call) return;
  if (req.open && reply.view.session) {
    const route = routeOf(req.msg.head);
    // Sent with a cookie alone: the login is the one the node set that cookie for.
    const login = { ...route, authorization: route.authorization ?? table.cookieLogin(req.msg.head) };
    const opened = table.opened(connId, handleBytes(reply.message, reply.view.session), node, req.open, login);
    for (const value of setCookies(head, AUTH_COOKIE)) opened.cookieSet(value, node);
  } else if (session) table.learned(session, { call, message: req.msg.body, ...(req.kind && { kind: req.kind }) }, reply);
}
