// Owns a resumable HTTP client connection (onActiveLost: resume) from the commit to the close: the
// client socket, and a keep-alive socket to the node its sessions live on, which can change under
// it (after a failover the next request goes on a connection to the new active). It cuts both
// streams into whole HTTP messages (http-requests.ts does the rest); a stream it cannot read makes
// it a plain pipe, closed at a failover as with close. Listeners attached once, removed by reference.
import type net from 'node:net';
import type { Logger } from '../log.js';
import type { SessionSummary } from '../observe.js';
import type { RegisteredSession } from '../session/registry.js';
import { writeView } from '../session/node-reader.js';
import type { DialTarget } from '../upstream/dial.js';
import { dialLink, type NodeLink } from './http-node-link.js';
import { eachMessage, type HttpLimits } from '../wire/http-exchange.js';
import { ResponseReader, type ResponseSink } from './http-response-reader.js';
import type { RequestPort } from './http-request.js';
import type { HttpRequests } from './http-requests.js';
import { CLOSE_LINGER_MS, logClosed } from '../session/closing-line.js';

export interface HttpConnectionInit {
  readonly id: number;
  readonly client: net.Socket;
  readonly clientAddress: string;
  readonly heldMs: number;
  readonly log: Logger;
  readonly limits: HttpLimits;
  readonly connectTimeoutMs: number;
  /** A node by name (the active one for undefined), to dial. */
  readonly target: (name: string | undefined) => DialTarget | undefined;
  readonly onMove: (c: HttpConnection, from: string) => void;
  readonly onDone: (c: HttpConnection, summary: SessionSummary) => void;
}

export class HttpConnection implements RegisteredSession, RequestPort {
  requests!: HttpRequests;
  private link: NodeLink | undefined;
  nodeName: string;
  private clientBuf: Buffer = Buffer.alloc(0);
  private responses: ResponseReader | undefined;
  /** Why it is piped unread (then a failover closes it as with close). */
  private piped: string | undefined;
  private clientEnded = false;
  private reason: string | undefined;
  private summary: SessionSummary | undefined;
  private waiters: Array<(s: SessionSummary) => void> = [];
  private readonly startedAt = Date.now();
  private bytesFromClient = 0;
  private bytesToClient = 0;
  private moves = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  readonly id: number;

  constructor(
    private readonly init: HttpConnectionInit,
    node: NodeLink | undefined,
    filedOn: string,
  ) {
    this.id = init.id;
    this.link = node;
    this.nodeName = node?.name ?? filedOn;
  }

  get done(): Promise<SessionSummary> {
    if (this.summary) return Promise.resolve(this.summary);
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  /** `received`: what the node said during the handshake, not relayed yet; `unsent`: client bytes not sent yet. */
  start(received: Buffer, unsent: Buffer, clientEnded: boolean): void {
    const { client } = this.init;
    client.setNoDelay(true);
    client.on('error', this.onClientError);
    client.on('data', this.onClientData);
    client.on('drain', this.onClientDrain);
    client.on('end', this.onClientEnd);
    client.on('close', this.onClientClose);
    if (this.link) this.attach(this.link);
    if (received.length) this.responses?.push(received);
    if (unsent.length) this.onClientData(unsent);
    if (clientEnded) this.onClientEnd();
    client.resume();
  }

  private attach(link: NodeLink): void {
    link.socket.setNoDelay(true);
    this.nodeListeners(link.socket, 'on');
    this.responses = new ResponseReader(this.init.limits, this.responseSink);
    link.reader.sink = (view, borrowed) => this.onNodeView(view, borrowed);
    link.socket.resume();
  }

  private detach(): void {
    const link = this.link;
    if (!link) return;
    this.link = undefined;
    this.responses?.stop();
    this.responses = undefined;
    this.nodeListeners(link.socket, 'off');
    link.reader.sink = () => {};
    link.socket.on('error', () => {}); // destroyed now; a late error must not be unhandled
    link.socket.destroy();
  }

  private nodeListeners(socket: net.Socket, how: 'on' | 'off'): void {
    socket[how]('error', this.onNodeError)[how]('drain', this.onNodeDrain)[how]('end', this.onNodeGone)[how]('close', this.onNodeGone);
  }

  private readonly onClientData = (chunk: Buffer): void => {
    this.bytesFromClient += chunk.length;
    // Piped: to the node, or kept while its node is dialled.
    if (this.piped) return void (this.link ? this.link.socket.write(chunk) : (this.clientBuf = Buffer.concat([this.clientBuf, chunk])));
    const cut = eachMessage(this.clientBuf.length ? Buffer.concat([this.clientBuf, chunk]) : chunk, 'request', this.init.limits, (raw, msg) => {
      this.requests.onRequest(Buffer.from(raw), msg);
      return !this.piped;
    });
    this.clientBuf = cut.rest;
    if (cut.unreadable) this.pipe(cut.unreadable);
  };

  private onNodeView(view: Buffer, borrowed: boolean): void {
    this.bytesToClient += view.length;
    if (this.piped) {
      if (this.link && !writeView(this.init.client, view, borrowed, this.link.reader)) this.link.socket.pause();
      return;
    }
    this.responses?.push(borrowed ? Buffer.from(view) : view);
  }

  private readonly responseSink: ResponseSink = {
    whole: (raw, message) => this.requests.onResponse(raw, message),
    large: (head, status) => this.requests.onLargeResponse(head, status),
    relay: (bytes) => this.toClient(bytes),
    largeDone: () => this.requests.largeDone(),
    unreadable: (why, pending) => this.pipe(why, pending),
  };

  /** Stop reading messages: bytes flow unchanged from here (to the active node if none is open), and a failover closes the client. */
  private pipe(why: string, fromNode?: Buffer): void {
    if (!fromNode && !this.requests.idle) return this.destroy(`unreadable HTTP between calls: ${why}`);
    this.piped = why;
    this.responses?.stop();
    this.init.log.info({ conn: this.id, why }, 'HTTP connection no longer resumable: it is piped unread from here');
    if (fromNode?.length) this.toClient(fromNode);
    const flush = (ok: boolean): void => {
      if (!ok || !this.link) return this.destroy(`unreadable HTTP and no node to pipe it to: ${why}`);
      this.link.socket.write(this.clientBuf);
      this.clientBuf = Buffer.alloc(0);
    };
    if (this.link) flush(true);
    else void this.send(undefined, Buffer.alloc(0)).then(flush);
  }

  async send(target: string | undefined, bytes: Buffer): Promise<boolean> {
    const name = target ?? this.link?.name ?? this.init.target(undefined)?.name;
    if (!this.link || this.link.name !== name || this.link.socket.destroyed) {
      this.detach();
      const to = this.init.target(name);
      if (!to || this.summary) return false;
      this.link = await dialLink(to, this.init.connectTimeoutMs);
      if (!this.link || this.summary) {
        this.detach();
        return false;
      }
      this.attach(this.link);
      if (to.name !== this.nodeName) {
        const from = this.nodeName;
        this.nodeName = to.name;
        this.moves++;
        this.init.onMove(this, from);
      }
    }
    if (!this.link!.socket.write(bytes)) this.init.client.pause();
    return true;
  }

  toClient(bytes: Buffer): void {
    if (!this.init.client.write(bytes)) this.link?.socket.pause();
    if (this.clientEnded && this.requests.idle) this.close('client closed');
  }

  private readonly onClientError = (err: NodeJS.ErrnoException) => this.note(`client error ${err.code ?? err.message}`);
  private readonly onNodeError = (err: NodeJS.ErrnoException) => this.nodeGone(`node error ${err.code ?? err.message}`);
  private readonly onNodeGone = () => this.nodeGone('node closed');
  private readonly onClientDrain = () => this.link?.socket.resume();
  private readonly onNodeDrain = () => this.init.client.resume();
  private readonly onClientEnd = () => {
    this.clientEnded = true;
    if (this.piped) this.link?.socket.end();
    else if (this.requests.idle) this.close('client closed');
  };
  private readonly onClientClose = () => {
    this.note('client closed');
    this.requests.clear();
    this.detach();
    this.finish();
  };

  /** The node socket went away. Between calls that is only a closed keep-alive connection. */
  private nodeGone(reason: string): void {
    const node = this.link?.name ?? this.nodeName;
    this.detach();
    if (this.summary) return;
    if (this.piped || !this.requests.nodeLost(node, reason)) this.destroy(reason);
  }

  /** The failover policy's call (the node of its socket is lost): false when it cannot resume. */
  resume(reason: string): boolean {
    if (this.piped) return false;
    if (this.link) this.nodeGone(reason);
    return true;
  }

  private note(reason: string): void {
    this.reason ??= reason;
  }
  destroy(reason: string): void {
    this.note(reason);
    this.requests.clear();
    this.init.client.destroy();
    this.detach();
  }

  /** Graceful: the client gets what is queued and a FIN; destroyed if it lingers CLOSE_LINGER_MS. */
  close(reason: string): void {
    if (this.summary || this.lingerTimer) return;
    this.note(reason);
    this.requests.clear();
    this.detach();
    this.init.client.end();
    this.lingerTimer = setTimeout(() => this.init.client.destroy(), CLOSE_LINGER_MS);
  }

  private finish(): void {
    if (this.summary) return;
    clearTimeout(this.lingerTimer);
    const { init } = this;
    const summary = (this.summary = {
      id: this.id,
      node: this.nodeName,
      transport: 'http',
      client: init.clientAddress,
      bytesFromClient: this.bytesFromClient,
      bytesToClient: this.bytesToClient,
      durationMs: Date.now() - this.startedAt,
      reason: this.reason ?? 'closed',
    });
    const resume = this.piped === undefined ? 'resumable' : `not resumable: ${this.piped}`;
    logClosed(init.log, summary, init, { resumes: this.moves, resume });
    init.onDone(this, summary);
    for (const resolve of this.waiters.splice(0)) resolve(summary);
  }
}
