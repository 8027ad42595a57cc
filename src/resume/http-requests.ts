// The calls of one resumable HTTP client connection, one request at a time: each request's session
// is found in the router-wide table (a handle is honoured only for the login that opened it), its
// handles are swapped in place for the current node's, a cookie of a lost node is replaced by the
// kept Authorization header, and the reply teaches the table (new sessions, operations, history,
// cookies). A call in flight when its node is lost follows the binary rules (operations.ts).
// Statements, bodies, headers and cookies are never logged.
import type { HttpOpenKit } from '../handshake/handshake.js';
import { readMessage, setCookies, thriftResponse, withBody, type WholeMessage } from '../wire/http-exchange.js';
import { header, type HttpHead } from '../wire/http-message.js';
import { handleBytes, readCall, readReplyView } from '../wire/tcli-view.js';
import { classify, type Reply, type Request, type RequestPort } from './http-request.js';
import { namedOpenSession, outbound, withAuthorization } from './http-outbound.js';
import { AUTH_COOKIE } from './http-cookies.js';
import type { HttpSession } from './http-session.js';
import type { HttpSessionTable } from './http-session-table.js';
import { lostOperation, outcomeUnknown, retakeAnswer } from './operations.js';
import { learnReply } from './http-learn.js';

const OK = new Set([0, 1]);
/** How a passive answers a Thrift HTTP call (PROTOCOL.md; a busy active may answer 503 too). */
const PASSIVE_ANSWERS = new Set([307, 502, 503]);

export class HttpRequests {
  private queue: Request[] = [];
  private inFlight: Request[] = [];
  private busy = false;
  private closed = false;

  constructor(
    private readonly table: HttpSessionTable,
    private readonly port: RequestPort,
  ) {}

  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight.length === 0 && !this.busy;
  }

  /** A request already sent to the node by the handshake (its reply is still to come). */
  sentBefore(raw: Buffer, msg: WholeMessage, open?: HttpOpenKit): void {
    this.inFlight.push({ ...classify(this.table, raw, msg), ...(open && { open }) });
  }

  /** A whole request from the client. */
  onRequest(raw: Buffer, msg: WholeMessage): void {
    this.queue.push(classify(this.table, raw, msg));
    void this.pump();
  }

  private async pump(): Promise<void> {
    while (!this.closed && !this.busy && this.inFlight.length === 0 && this.queue.length > 0) {
      this.busy = true;
      try {
        await this.next(this.queue[0]!);
      } catch (err) {
        this.refuse(`a call the router could not handle: ${(err as Error).message}`); // never an unhandled rejection
      } finally {
        this.busy = false;
      }
    }
  }

  private async next(req: Request): Promise<void> {
    const { session, call } = req;
    if (session?.state === 'resuming') await session.settled();
    if (this.queue[0] !== req) return; // the connection closed meanwhile
    if (session?.state === 'failed') return this.refuse(`session not resumed (${session.failure})`);
    if (session && call) {
      session.used(req.msg.head);
      const op = session.ledger.operation(req.msg.body, call);
      if (op && op.generation < session.ledger.generation) {
        const action = lostOperation(call, op, session.nodeName);
        if (action.kind === 'answer') {
          if (action.forget) this.table.forget(session, req.msg.body, call);
          this.queue.shift();
          return this.port.toClient(thriftResponse(action.reply));
        }
        // Re-issue the call that created it on the new session; the client's call follows.
        this.queue.unshift(this.reissue(req, session, op.request, (handle) => session.ledger.reissued(op, handle)));
        return;
      }
    }
    this.queue.shift();
    if (call?.name === 'OpenSession' && !req.open) Object.assign(req, namedOpenSession(req.raw, req.msg, this.table.limits.maxBodyBytes));
    const out = req.open ? req.raw : outbound(req.raw, req.msg, call, session);
    req.out = out;
    this.inFlight.push(req);
    if (await this.port.send(session?.nodeName, out)) return;
    this.inFlight.splice(this.inFlight.indexOf(req), 1);
    if (this.closed) return;
    if (!session) return this.refuse('no node to send the request to');
    // The session's node cannot be reached: it is lost for this session too.
    this.queue.unshift(req);
    this.table.resume(session, session.nodeName, 'connect failed');
    if (session.state === 'open') this.refuse('the session node cannot be reached');
  }

  private refuse(reason: string): void {
    this.clear();
    this.port.close(reason);
  }

  private reissue(req: Request, session: HttpSession, creator: Buffer, done: (handle: Buffer) => void): Request {
    const call = readCall(creator, this.table.limits.maxBodyBytes);
    const raw = withBody(req.raw, req.msg, creator);
    const read = readMessage(raw, 'request', this.table.limits);
    if (read.kind !== 'whole') throw new TypeError('a re-issued request the router cannot read back');
    return {
      raw,
      msg: read.message,
      call,
      session,
      internal: (reply) => {
        if (!reply || !OK.has(reply.view.statusCode ?? -1) || !reply.view.operation) {
          const i = this.queue.indexOf(req);
          if (i < 0) return; // the connection closed meanwhile
          this.queue.splice(i, 1);
          this.port.toClient(thriftResponse(outcomeUnknown(req.call!, session.nodeName)));
          return;
        }
        done(handleBytes(reply.message, reply.view.operation));
      },
    };
  }

  /** A whole response from the node; `raw` is relayed as it came unless the router consumes it. */
  onResponse(raw: Buffer, msg: WholeMessage): void {
    if (msg.status < 200) {
      if (!this.inFlight[0]?.internal) this.port.toClient(raw);
      return;
    }
    const req = this.inFlight.shift();
    if (!req) return this.port.toClient(raw);
    const node = this.port.nodeName ?? '';
    if (msg.status === 401 && this.retryWithLogin(req)) return;
    if (PASSIVE_ANSWERS.has(msg.status) && req.session && !req.internal) return this.rejected(req, raw, msg.status);
    for (const value of setCookies(msg.head, AUTH_COOKIE)) req.session?.cookieSet(value, node);
    let reply: Reply;
    if (msg.status === 200 && req.call) {
      try {
        reply = { message: msg.body, view: readReplyView(msg.body, this.table.limits.maxBodyBytes) };
      } catch {
        reply = undefined;
      }
    }
    if (req.session && msg.status === 200) req.session.unreachableSince = undefined;
    if (req.internal) {
      req.internal(reply);
    } else {
      if (reply && OK.has(reply.view.statusCode ?? -1)) learnReply(this.table, this.port.id, req, reply, msg.head, node);
      this.port.toClient(raw);
    }
    void this.pump();
  }

  /** The head of a response too large to keep, relayed as it comes: what it says without its body. */
  onLargeResponse(head: HttpHead, status: number): boolean {
    const req = this.inFlight[0];
    if (!req || req.internal) return false;
    req.relaying = true;
    for (const value of setCookies(head, AUTH_COOKIE)) req.session?.cookieSet(value, this.port.nodeName ?? '');
    // Rows may have reached the client (conservative: its status is not read).
    const op = req.session && req.call?.name === 'FetchResults' && req.call.fetchType !== 1 ? req.session.ledger.operation(req.msg.body, req.call) : undefined;
    if (op && status === 200) op.rowsDelivered = true;
    return true;
  }

  largeDone(): void {
    this.inFlight.shift();
    void this.pump();
  }

  /** A 307, 502 or 503 to a session's call: when a fresh check says passive, resumed and sent again (a passive runs nothing; a write answered 502, maybe by a gateway after it ran, gets 40003). */
  private rejected(req: Request, raw: Buffer, status: number): void {
    const session = req.session!;
    const moved = this.table.rejectedBy(session, this.port.nodeName ?? '', status);
    void this.after(moved, (yes) => {
      if (!yes) this.port.toClient(raw);
      else if (session.state === 'failed') this.refuse(`session not resumed (${session.failure})`);
      else this.retake(req, status === 502);
    });
  }

  /** Holds the queue until `wait` settles, then `next` (unless the connection closed meanwhile); never an unhandled rejection. */
  private async after<T>(wait: Promise<T>, next: (value: T) => void): Promise<void> {
    this.busy = true;
    try {
      const value = await wait;
      this.busy = false;
      if (this.closed) return;
      next(value);
      void this.pump();
    } catch (err) {
      this.busy = false;
      this.refuse(`a call the router could not handle: ${(err as Error).message}`);
    }
  }

  /** A call taken again after its session moved or its node came back (`dropped`: it was in flight when the node socket dropped): see retakeAnswer. */
  private retake(r: Request, dropped: boolean): void {
    if (dropped) r.drops = (r.drops ?? 0) + 1;
    const answer = r.call && retakeAnswer(r.call, r.kind, dropped ? r.drops! : 0, r.session!.nodeName);
    if (r.internal) r.internal(undefined);
    else if (answer) this.port.toClient(thriftResponse(answer));
    else {
      if (dropped && r.call?.name === 'FetchResults' && r.call.fetchType !== 1) r.session!.ledger.dropped(r.msg.body, r.call); // its cursor may have moved
      this.queue.unshift({ ...r, out: undefined, authRetried: false });
    }
  }

  /** A 401 to a request that carried only a cookie: sent again, once, with the session's kept login. */
  private retryWithLogin(req: Request): boolean {
    const auth = req.session?.route.authorization;
    if (!req.out || req.authRetried || auth === undefined || header(req.msg.head, 'authorization').length > 0) return false;
    req.authRetried = true;
    req.out = withAuthorization(req.out, auth);
    this.inFlight.unshift(req);
    void this.port.send(req.session!.nodeName, req.out).then((sent) => {
      if (!sent) this.refuse('the session node cannot be reached');
    });
    return true;
  }

  /**
   * The node socket closed or its node was lost with calls in flight. A call of a known session
   * waits for the session's resume and then follows the rules: a write's outcome is unknown
   * (40003, never re-sent), anything else is taken again (lost operations: operations.ts).
   * Returns false when a call in flight has no session to resume (the client is closed as today).
   */
  nodeLost(node: string, reason: string): boolean {
    const lost = this.inFlight.splice(0);
    if (lost.length === 0) return true; // between calls: only a keep-alive connection closed
    if (lost.some((r) => !r.session || r.relaying)) return false; // part of an answer went out: nothing can follow it
    for (const r of lost) this.table.resume(r.session!, node, reason);
    void this.after(Promise.all(lost.map((r) => r.session!.settled())), () => {
      const failed = lost.find((r) => r.session!.state === 'failed');
      if (failed) return this.refuse(`session not resumed (${failed.session!.failure})`);
      for (const r of lost.reverse()) this.retake(r, true);
    });
    return true;
  }

  /** The connection ends: nothing in flight matters any more. */
  clear(): void {
    this.closed = true;
    this.queue = [];
    this.inFlight = [];
  }
}
