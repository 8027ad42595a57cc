// One HTTP session as the router keeps it (onActiveLost: resume): in HTTP mode a session outlives
// its client's TCP connections, so what a resume needs lives here, keyed by the client-visible
// SessionHandle, not on a connection. Memory only; the login, the OpenSession body, statements and
// cookies are never logged.
import { createHash } from 'node:crypto';
import type { HttpOpenKit } from '../handshake/handshake.js';
import type { HttpHead } from '../wire/http-message.js';
import { header } from '../wire/http-message.js';
import type { CookieLogins } from './http-cookies.js';
import type { HttpRoute } from './http-reattach.js';
import { SessionLedger } from './session-ledger.js';
import type { HistoryLimits } from './history.js';

export type HttpSessionState = 'open' | 'resuming' | 'failed';

/** A digest of an Authorization header: who logged in, comparable without keeping a second copy. */
export function loginOf(authorization: string | undefined): string {
  return authorization === undefined ? '' : createHash('sha256').update(authorization).digest('hex');
}

/** Where a session's requests go and with what login, from the request that opened it. */
export function routeOf(head: HttpHead): HttpRoute {
  return { target: head.startLine.split(' ')[1] ?? '/', host: header(head, 'host').at(-1), authorization: header(head, 'authorization').at(-1) };
}

/** The user name of a Basic Authorization header (not secret: it names whose re-logins to stop). */
export function basicUser(authorization: string | undefined): string {
  const m = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) return '';
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  return decoded.slice(0, Math.max(0, decoded.indexOf(':')));
}

export class HttpSession {
  state: HttpSessionState = 'open';
  /** Why a resume failed (for the log line of each later request that names it). */
  failure: string | undefined;
  lastUsed = Date.now();
  resumes = 0;
  readonly ledger: SessionLedger;
  /** The client-visible operation handles of this session (their keys), to drop them with it. */
  readonly ops = new Set<string>();
  private waiters: Array<() => void> = [];
  /** When its node was first found unreachable while still active, until a call of it is answered (node-return.ts). */
  unreachableSince: number | undefined;
  /** The node's cookie the router got at the last resume (used when no Authorization is kept). */
  routerCookie: string | undefined;

  constructor(
    /** The id of the client connection that opened it (for log lines). */
    readonly id: number,
    /** The client-visible SessionHandle (guid + secret). */
    readonly clientHandle: Buffer,
    public nodeName: string,
    public kit: HttpOpenKit,
    public route: HttpRoute,
    limits: HistoryLimits,
    private readonly cookies: CookieLogins,
  ) {
    this.login = loginOf(route.authorization);
    this.ledger = new SessionLedger(limits);
  }

  readonly login: string;

  get user(): string {
    return basicUser(this.route.authorization);
  }

  /** Whether a request comes from the login that opened this session (never swapped otherwise): its Authorization header, or a cookie set for that login. */
  honours(head: HttpHead): boolean {
    const auth = header(head, 'authorization').at(-1);
    if (auth !== undefined) return loginOf(auth) === this.login;
    if (this.cookies.owners(head).some((o) => o.login === this.login)) return true;
    return this.login === '';
  }

  /** A request of this session's login: its Authorization header is the one a resume repeats. */
  used(head: HttpHead): void {
    this.lastUsed = Date.now();
    const auth = header(head, 'authorization').at(-1);
    if (auth !== undefined) this.route = { ...this.route, authorization: auth };
  }

  /** The node `node` set this auth cookie on its answer to a call of this session. */
  cookieSet(value: string, node: string): void {
    this.cookies.set(value, { login: this.login, authorization: this.route.authorization, node });
  }

  /** A cookie another node set: the current node would answer it with a 401. */
  stale(value: string): boolean {
    const node = this.cookies.node(value);
    return node !== undefined && node !== this.nodeName;
  }

  /** Resolves once the session is not resuming any more. */
  settled(): Promise<void> {
    if (this.state !== 'resuming') return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  settle(state: 'open' | 'failed', failure?: string): void {
    this.state = state;
    this.failure = failure;
    for (const wake of this.waiters.splice(0)) wake();
  }
}
