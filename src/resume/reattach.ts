// Re-open a client's session on a new active node: the client's login again, OpenSession with the
// session's livy.session.name (Livy reuses that Livy session: the same Spark application), a fresh
// OpenSession under a new name if the node refuses that, then the history replayed with no result
// going to the client. Everything the node answers is read here and nothing reaches the client.
import { randomUUID } from 'node:crypto';
import type net from 'node:net';
import type { ResumeKit } from '../handshake/handshake.js';
import { readSaslFrame, SaslStatus } from '../wire/sasl-frame.js';
import { dial, type DialTarget } from '../upstream/dial.js';
import type { NodeReader } from '../session/node-reader.js';
import { NodeConversation } from './node-conversation.js';
import { ResumeError } from './resume-error.js';
import { MessageSplitter } from '../wire/message-splitter.js';
import { closeOperationCall, executeStatementCall, withSessionName } from '../wire/tcli-compose.js';
import { handleBytes, readReplyView, type ReplyView } from '../wire/tcli-view.js';

export { ResumeError, type ResumeFailure } from './resume-error.js';

export interface Reattached {
  socket: net.Socket;
  reader: NodeReader;
  /** The new node's session handle (guid + secret). */
  session: Buffer;
  /** The name the session now has (a new one when the node refused to reattach). */
  sessionName: string;
  openSession: Buffer;
  reattached: boolean;
  replayed: number;
}

const SUCCESS_CODES = new Set([0, 1]);

/** One conversation with a node: send, then wait for the next whole message (or SASL frame). */
class Conversation extends NodeConversation {
  private buf: Buffer = Buffer.alloc(0);
  private readonly splitter: MessageSplitter;
  private readonly messages: Buffer[] = [];
  saslDone: boolean;

  constructor(
    socket: net.Socket,
    readonly reader: NodeReader,
    kit: ResumeKit,
    private readonly maxBytes: number,
    private readonly onLoginAccepted: (() => void) | undefined,
  ) {
    super(socket);
    this.splitter = new MessageSplitter(kit.framing, maxBytes);
    this.saslDone = kit.framing === 'nosasl';
    reader.sink = (view) => this.onBytes(Buffer.from(view));
    socket.resume();
  }

  private onBytes(bytes: Buffer): void {
    try {
      if (!this.saslDone) {
        this.buf = Buffer.concat([this.buf, bytes]);
        const read = readSaslFrame(this.buf, 0, this.maxBytes);
        if (read.kind === 'incomplete') return;
        if (read.kind === 'invalid' || read.frame.status !== SaslStatus.COMPLETE) {
          const bad = read.kind === 'frame' && (read.frame.status === SaslStatus.BAD || read.frame.status === SaslStatus.ERROR);
          return this.fail(new ResumeError(bad ? 'login-refused' : 'open-refused', 'the node refused the login'));
        }
        this.saslDone = true;
        this.onLoginAccepted?.();
        bytes = this.buf.subarray(read.frame.end);
        this.buf = Buffer.alloc(0);
      }
      this.messages.push(...this.splitter.push(bytes));
    } catch {
      return this.fail(new ResumeError('open-refused', 'the node sent bytes that are not Thrift'));
    }
    this.woken();
  }

  send(message: Buffer, prefix?: Buffer): void {
    const framed = this.splitter.encode(message);
    this.socket.write(prefix && prefix.length > 0 ? Buffer.concat([prefix, framed]) : framed);
  }

  async next(): Promise<{ message: Buffer; view: ReplyView }> {
    for (;;) {
      this.throwIfFailed();
      const message = this.messages.shift();
      if (message) return { message, view: readReplyView(message, this.maxBytes) };
      await this.more();
    }
  }

  /** The socket goes on without this conversation's listeners (the taker adds its own at once). */
  handOver(): void {
    this.unwatch();
    this.reader.sink = () => {};
    this.socket.pause();
  }
}

export interface ReattachOptions {
  connectTimeoutMs: number;
  /** Epoch ms by which the whole reattach must be done. */
  deadline: number;
  maxBytes: number;
  /** The node answered the login with SASL COMPLETE (before OpenSession and the replay). */
  onLoginAccepted?: () => void;
}

export async function reattach(target: DialTarget, kit: ResumeKit, history: readonly string[], opts: ReattachOptions): Promise<Reattached> {
  const attempt = dial(target, Math.max(1, Math.min(opts.connectTimeoutMs, opts.deadline - Date.now())));
  let socket: net.Socket;
  try {
    socket = await attempt.connected;
  } catch (err) {
    throw new ResumeError('connect', (err as Error).message);
  }
  const talk = new Conversation(socket, attempt.reader, kit, opts.maxBytes, opts.onLoginAccepted);
  const timer = setTimeout(() => talk.fail(new ResumeError('timeout', `no resume within the deadline`)), Math.max(0, opts.deadline - Date.now()));
  try {
    let { sessionName, openSession } = kit;
    talk.send(openSession, kit.login);
    let reply = await talk.next();
    let reattached = true;
    if (!SUCCESS_CODES.has(reply.view.statusCode ?? -1) || !reply.view.session) {
      // The node would not reattach (the Livy session is gone): a fresh one, under a new name.
      reattached = false;
      sessionName = `livy-router-${randomUUID()}`;
      openSession = withSessionName(kit.clientOpenSession, sessionName, opts.maxBytes);
      talk.send(openSession);
      reply = await talk.next();
      if (!SUCCESS_CODES.has(reply.view.statusCode ?? -1) || !reply.view.session) throw new ResumeError('open-refused', 'the node refused OpenSession');
    }
    const session = handleBytes(reply.message, reply.view.session);
    let seqid = 1;
    for (const statement of history) {
      talk.send(executeStatementCall(seqid++, session, statement, false));
      const done = await talk.next();
      if (!SUCCESS_CODES.has(done.view.statusCode ?? -1)) throw new ResumeError('replay-failed', `statement ${seqid - 1} of the history failed on replay`);
      if (done.view.operation) {
        talk.send(closeOperationCall(seqid++, handleBytes(done.message, done.view.operation)));
        await talk.next();
      }
    }
    talk.handOver();
    return { socket, reader: attempt.reader, session, sessionName, openSession, reattached, replayed: history.length };
  } catch (err) {
    talk.handOver();
    socket.on('error', () => {}); // a late error on a destroyed socket must not be unhandled
    socket.destroy();
    if (err instanceof ResumeError) throw err;
    throw new ResumeError('open-refused', `unreadable answer: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
