// A committed binary session that can move to a new active node (onActiveLost: resume): it reads
// whole Thrift messages each way, keeps what a resume needs (session-ledger.ts) and the calls in
// flight, and when its node is lost keeps the client, reattaches elsewhere (reattach.ts) and
// answers or re-sends what was in flight (operations.ts). A stream it cannot read makes it a
// plain pipe, closed at a failover. Statement text and login bytes are never logged.
import type net from 'node:net';
import type { ResumeKit } from '../handshake/handshake.js';
import type { Logger } from '../log.js';
import { writeView, type NodeReader } from '../session/node-reader.js';
import { MessageSplitter } from '../wire/message-splitter.js';
import { handleBytes, readCall, readReplyView, type CallView, type ReplyView } from '../wire/tcli-view.js';
import { lostOperation, outcomeUnknown, type OperationRecord } from './operations.js';
import type { Reattached, ResumeFailure } from './reattach.js';
import type { ResumeHost } from './resume-host.js';
import { SessionLedger, type Pending } from './session-ledger.js';
import { statementKind } from './statement-kind.js';

const OK = new Set([0, 1]);

export class ResumableSession {
  nodeName: string;
  kit: ResumeKit;
  private node: net.Socket;
  private reader: NodeReader;
  private readonly ledger: SessionLedger;
  private pending: Pending[] = [];
  private queued: Buffer[] = [];
  private clientSplitter: MessageSplitter;
  private nodeSplitter: MessageSplitter;
  /** Why this session can no longer be resumed (then it is a plain pipe). */
  notResumable: string | undefined;
  state: 'open' | 'resuming' | 'ended' = 'open';
  resumes = 0;

  constructor(
    readonly id: number,
    readonly client: net.Socket,
    node: net.Socket,
    reader: NodeReader,
    nodeName: string,
    kit: ResumeKit,
    private readonly host: ResumeHost,
    private readonly log: Logger,
    /** Closes the client as a plain session would (the caller's teardown and closing line). */
    private readonly end: (reason: string) => void,
  ) {
    this.node = node;
    this.reader = reader;
    this.nodeName = nodeName;
    this.kit = kit;
    this.ledger = new SessionLedger(host.history);
    this.clientSplitter = new MessageSplitter(kit.framing, host.maxBytes);
    this.nodeSplitter = new MessageSplitter(kit.framing, host.maxBytes);
  }

  get resumable(): boolean {
    return this.notResumable === undefined && !this.ledger.history.overflowed && this.state !== 'ended';
  }

  get nodeSocket(): net.Socket {
    return this.node;
  }

  get nodeReader(): NodeReader {
    return this.reader;
  }

  /** What a reattach replays. */
  get historyStatements(): readonly string[] {
    return this.ledger.history.statements;
  }

  /** Bytes from the client. */
  fromClient(chunk: Buffer): void {
    if (this.notResumable) return this.sendRaw(chunk);
    let messages: Buffer[];
    try {
      messages = this.clientSplitter.push(chunk);
    } catch (err) {
      return this.giveUp(`client stream unreadable: ${(err as Error).message}`, chunk);
    }
    for (const m of messages) {
      if (this.state === 'resuming') this.queued.push(m);
      else this.onClientMessage(m);
    }
  }

  /** Bytes from the current node (its NodeReader's sink). */
  fromNode(view: Buffer, borrowed: boolean): void {
    if (this.notResumable) {
      if (!writeView(this.client, view, borrowed, this.reader)) this.node.pause();
      return;
    }
    let replies: Buffer[];
    try {
      replies = this.nodeSplitter.push(view);
    } catch (err) {
      return this.giveUp(`node stream unreadable: ${(err as Error).message}`, undefined, Buffer.from(view));
    }
    for (const r of replies) this.onNodeMessage(r);
  }

  private onClientMessage(message: Buffer): void {
    let call: CallView;
    try {
      call = readCall(message, this.host.maxBytes);
    } catch (err) {
      return this.giveUp(`unreadable call: ${(err as Error).message}`, this.kit.framing === 'sasl' ? this.clientSplitter.encode(message) : message);
    }
    this.notResumable ??= this.ledger.checkSession(message, call);
    const op = this.ledger.operation(message, call);
    if (op && op.generation < this.ledger.generation) return this.onLostOperation(call, message, op);
    const kind = call.statement === undefined ? undefined : statementKind(call.statement);
    this.send({ call, message, ...(kind ? { kind } : {}) }, op);
  }

  private onLostOperation(call: CallView, message: Buffer, op: OperationRecord): void {
    const action = lostOperation(call, op, this.nodeName);
    if (action.kind === 'answer') {
      if (action.forget) this.ledger.forget(message, call);
      this.toClient(action.reply);
      return;
    }
    // Re-issue the call that created it on the new session; the client's call follows.
    const creator = readCall(op.request, this.host.maxBytes);
    this.send({
      call: creator,
      message: op.request,
      internal: (reply) => {
        if (!reply || !OK.has(reply.view.statusCode ?? -1) || !reply.view.operation) {
          this.toClient(outcomeUnknown(call, this.nodeName));
          return;
        }
        this.ledger.reissued(op, handleBytes(reply.message, reply.view.operation));
        this.send({ call, message }, op);
      },
    });
  }

  /** Forwards a call with the current node's handles swapped in. */
  private send(p: Pending, op?: OperationRecord): void {
    const out = this.ledger.outbound(p, op);
    this.pending.push(p);
    if (!this.node.write(this.nodeSplitter.encode(out))) this.client.pause();
  }

  private onNodeMessage(message: Buffer): void {
    const p = this.pending.shift();
    let view: ReplyView;
    try {
      view = readReplyView(message, this.host.maxBytes);
    } catch (err) {
      return this.giveUp(`unreadable reply: ${(err as Error).message}`, undefined, this.nodeSplitter.encode(message));
    }
    if (p?.internal) return p.internal({ message, view });
    if (p && OK.has(view.statusCode ?? -1)) this.ledger.learn(p, message, view);
    this.toClient(message);
  }

  private toClient(message: Buffer): void {
    if (!this.client.write(this.clientSplitter.encode(message))) this.node.pause();
  }

  private sendRaw(chunk: Buffer): void {
    if (!this.node.write(chunk)) this.client.pause();
  }

  /** Stop reading messages: the bytes flow unchanged from here, and a failover closes the client. */
  private giveUp(why: string, toNode?: Buffer, toClient?: Buffer): void {
    if (!this.notResumable) this.log.info({ conn: this.id, why }, 'session no longer resumable: it is piped unread from here');
    this.notResumable ??= why;
    if (toNode) this.sendRaw(toNode);
    if (toClient && !this.client.write(toClient)) this.node.pause();
  }

  /** The node is lost: keep the client, reattach elsewhere. Returns false when it cannot resume. */
  resume(reason: string): boolean {
    if (this.state === 'resuming') return true; // its node closed first: already on its way
    if (this.state !== 'open' || !this.resumable) return false;
    this.state = 'resuming';
    this.client.pause();
    // Whatever the lost node still says is not read: its calls in flight are answered or re-sent.
    this.reader.sink = () => {};
    this.node.pause();
    const from = this.nodeName;
    const old = this.node;
    const started = Date.now();
    this.log.info({ conn: this.id, node: from, reason }, 'resuming session');
    this.host.reattach(this, from).then(
      ({ node, result }) => {
        this.host.retire(old, from); // kept open, sending nothing, until the old node cannot stop the application
        if (this.state !== 'resuming') {
          result.socket.destroy();
          return;
        }
        this.swap(node, result);
        this.host.resumed(this, from, Date.now() - started, result);
      },
      (err: { reason?: ResumeFailure; message: string }) => {
        old.destroy();
        this.host.failed(this, from, err.reason ?? 'timeout', err.message);
        if (this.state === 'resuming') this.end(`resume failed (${err.reason ?? 'timeout'}): ${err.message}`);
      },
    );
    return true;
  }

  /** Set by the owner: moves its listeners to the new node socket. */
  onSwap: (old: net.Socket, next: net.Socket, reader: NodeReader) => void = () => {};

  private swap(node: string, r: Reattached): void {
    const from = this.nodeName;
    this.onSwap(this.node, r.socket, r.reader);
    this.node = r.socket;
    this.reader = r.reader;
    this.nodeName = node;
    this.ledger.nodeSession = r.session;
    this.kit = { ...this.kit, sessionName: r.sessionName, openSession: r.openSession };
    this.nodeSplitter = new MessageSplitter(this.kit.framing, this.host.maxBytes);
    this.ledger.generation += 1;
    this.resumes += 1;
    this.host.moved(this, from);
    this.state = 'open';
    const inFlight = this.pending;
    this.pending = [];
    for (const p of inFlight) {
      if (p.internal) p.internal(undefined);
      else if (p.call.name === 'ExecuteStatement' && p.kind === 'write') this.toClient(outcomeUnknown(p.call, node));
      else this.onClientMessage(p.message); // names no operation, or a lost one: the rules apply
    }
    for (const m of this.queued.splice(0)) this.onClientMessage(m);
    this.client.resume();
    this.node.resume();
  }

  /** The client or the router ends it: nothing more to resume. */
  ended(): void {
    this.state = 'ended';
    this.pending = [];
    this.queued = [];
    this.ledger.clear();
  }
}
