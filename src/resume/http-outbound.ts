// What a resumable HTTP connection changes in a client's request before a node sees it: an
// OpenSession gets a unique livy.session.name (unless the client named its session), a call of a
// kept session gets the current node's handles (in place: same length) and, after a failover, the
// kept Authorization header instead of the lost node's cookie. Memory only, never logged.
import { randomUUID } from 'node:crypto';
import type { HttpOpenKit } from '../handshake/handshake.js';
import { cookieHeaderWithout, editHead, requestCookies, withBody, type WholeMessage } from '../wire/http-exchange.js';
import { header } from '../wire/http-message.js';
import { clientSessionName, withSessionName } from '../wire/tcli-compose.js';
import type { CallView } from '../wire/tcli-view.js';
import { AUTH_COOKIE } from './http-cookies.js';
import type { HttpSession } from './http-session.js';

/** The OpenSession request named, and what its session keeps; {} when the body cannot be read. */
export function namedOpenSession(raw: Buffer, msg: WholeMessage, maxBytes: number): { raw?: Buffer; open?: HttpOpenKit } {
  try {
    const named = clientSessionName(msg.body, maxBytes);
    const sessionName = named ?? `livy-router-${randomUUID()}`;
    const openSession = named === undefined ? withSessionName(msg.body, sessionName, maxBytes) : msg.body;
    const open = { openSession, clientOpenSession: msg.body, sessionName };
    return named === undefined ? { raw: withBody(raw, msg, openSession), open } : { open };
  } catch {
    return {}; // it goes on as it is, and its session is not kept
  }
}

/** The bytes for the node: handles swapped in place; a lost node's cookie replaced by the kept login. */
export function outbound(raw: Buffer, msg: WholeMessage, call: CallView | undefined, session: HttpSession | undefined): Buffer {
  if (!session || !call) return raw;
  const op = session.ledger.operation(msg.body, call);
  const body = session.ledger.outbound({ call, message: msg.body }, op);
  const stale = requestCookies(msg.head, AUTH_COOKIE).filter((v) => session.stale(v));
  if (stale.length === 0) return Buffer.concat([raw.subarray(0, msg.head.end), body]);
  const set: Record<string, string | undefined> = { cookie: cookieHeaderWithout(msg.head, AUTH_COOKIE, (v) => session.stale(v)) };
  if (header(msg.head, 'authorization').length === 0) {
    if (session.route.authorization !== undefined) set.authorization = session.route.authorization;
    else if (session.routerCookie !== undefined) set.cookie = [set.cookie, `${AUTH_COOKIE}=${session.routerCookie}`].filter(Boolean).join('; ');
  }
  return Buffer.concat([editHead(raw, msg.head.end, set), body]);
}

/** A request as sent, with the kept Authorization header added (a 401's one re-send). */
export function withAuthorization(out: Buffer, authorization: string): Buffer {
  const end = out.indexOf('\r\n\r\n', 0, 'latin1') + 4;
  return Buffer.concat([editHead(out, end, { authorization }), out.subarray(end)]);
}
