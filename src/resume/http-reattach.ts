// Re-open an HTTP client's session on a new active node: a POST of OpenSession with the session's
// livy.session.name and the client's kept Authorization header (Livy reuses that Livy session: the
// same Spark application), a fresh OpenSession under a new name if the node refuses that, then the
// history replayed, one POST per call, with no result going to the client. The node's cookie is
// kept for the later calls and handed back. The connection is closed at the end: in HTTP mode a
// session outlives its connections.
import { randomUUID } from 'node:crypto';
import type net from 'node:net';
import type { HttpOpenKit } from '../handshake/handshake.js';
import { dial, type DialTarget } from '../upstream/dial.js';
import type { NodeReader } from '../session/node-reader.js';
import { readMessage, setCookies, thriftRequest, type HttpLimits, type WholeMessage } from '../wire/http-exchange.js';
import { closeOperationCall, executeStatementCall, withSessionName } from '../wire/tcli-compose.js';
import { handleBytes, readReplyView, type ReplyView } from '../wire/tcli-view.js';
import { AUTH_COOKIE } from './http-cookies.js';
import { NodeConversation } from './node-conversation.js';
import { ResumeError } from './resume-error.js';

const SUCCESS_CODES = new Set([0, 1]);

/** What a POST to the node carries besides its body. Memory only, never logged. */
export interface HttpRoute {
  /** The request target the client posts to (`/cliservice`). */
  readonly target: string;
  readonly host: string | undefined;
  readonly authorization: string | undefined;
}

export interface HttpReattached {
  session: Buffer;
  sessionName: string;
  openSession: Buffer;
  reattached: boolean;
  replayed: number;
  /** The new node's auth cookie value, if it set one. */
  cookie: string | undefined;
}

/** One keep-alive connection to a node: a POST, then its whole response. */
class Exchange extends NodeConversation {
  private buf: Buffer = Buffer.alloc(0);
  cookie: string | undefined;

  constructor(
    socket: net.Socket,
    reader: NodeReader,
    private readonly route: HttpRoute,
    private readonly limits: HttpLimits,
  ) {
    super(socket);
    reader.sink = (view) => {
      this.buf = Buffer.concat([this.buf, view]); // a copy: a borrowed view lives only for this call
      this.woken();
    };
  }

  async call(body: Buffer): Promise<{ message: Buffer; view: ReplyView }> {
    const cookie = this.cookie === undefined ? undefined : `${AUTH_COOKIE}=${this.cookie}`;
    const auth = cookie === undefined ? this.route.authorization : undefined;
    this.socket.write(thriftRequest(this.route.target, { Host: this.route.host, Authorization: auth, Cookie: cookie }, body));
    const response = await this.response();
    if (response.status === 401) throw new ResumeError('login-refused', 'the node refused the login (HTTP 401)');
    if (response.status !== 200) throw new ResumeError('open-refused', `the node answered HTTP ${response.status}`);
    this.cookie = setCookies(response.head, AUTH_COOKIE).at(-1) ?? this.cookie;
    return { message: response.body, view: readReplyView(response.body, this.limits.maxBodyBytes) };
  }

  private async response(): Promise<WholeMessage> {
    for (;;) {
      this.throwIfFailed();
      const read = readMessage(this.buf, 'response', this.limits);
      if (read.kind === 'unreadable') throw new ResumeError('open-refused', `unreadable answer: ${read.reason}`);
      if (read.kind === 'whole') {
        this.buf = this.buf.subarray(read.message.end);
        if (read.message.status >= 200) return read.message;
        continue;
      }
      await this.more();
    }
  }

  close(): void {
    this.unwatch();
    this.socket.on('error', () => {}); // a late error on a destroyed socket must not be unhandled
    this.socket.destroy();
  }
}

export interface HttpReattachOptions {
  connectTimeoutMs: number;
  /** Epoch ms by which the whole reattach must be done. */
  deadline: number;
  limits: HttpLimits;
}

export async function reattachHttp(
  target: DialTarget,
  kit: HttpOpenKit,
  route: HttpRoute,
  history: readonly string[],
  opts: HttpReattachOptions,
): Promise<HttpReattached> {
  const attempt = dial(target, Math.max(1, Math.min(opts.connectTimeoutMs, opts.deadline - Date.now())));
  let socket: net.Socket;
  try {
    socket = await attempt.connected;
  } catch (err) {
    throw new ResumeError('connect', (err as Error).message);
  }
  const talk = new Exchange(socket, attempt.reader, route, opts.limits);
  const timer = setTimeout(() => talk.fail(new ResumeError('timeout', 'no resume within the deadline')), Math.max(0, opts.deadline - Date.now()));
  try {
    let { sessionName, openSession } = kit;
    let reply = await talk.call(openSession);
    let reattached = true;
    if (!SUCCESS_CODES.has(reply.view.statusCode ?? -1) || !reply.view.session) {
      // The node would not reattach (the Livy session is gone): a fresh one, under a new name.
      reattached = false;
      sessionName = `livy-router-${randomUUID()}`;
      openSession = withSessionName(kit.clientOpenSession, sessionName, opts.limits.maxBodyBytes);
      reply = await talk.call(openSession);
      if (!SUCCESS_CODES.has(reply.view.statusCode ?? -1) || !reply.view.session) throw new ResumeError('open-refused', 'the node refused OpenSession');
    }
    const session = handleBytes(reply.message, reply.view.session);
    let seqid = 1;
    for (const statement of history) {
      const done = await talk.call(executeStatementCall(seqid++, session, statement, false));
      if (!SUCCESS_CODES.has(done.view.statusCode ?? -1)) throw new ResumeError('replay-failed', `statement ${seqid - 1} of the history failed on replay`);
      if (done.view.operation) await talk.call(closeOperationCall(seqid++, handleBytes(done.message, done.view.operation)));
    }
    return { session, sessionName, openSession, reattached, replayed: history.length, cookie: talk.cookie };
  } catch (err) {
    if (err instanceof ResumeError) throw err;
    throw new ResumeError('open-refused', `unreadable answer: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
    talk.close();
  }
}
