// Owns a resumable session's sockets from the commit to the close, as session/session.ts owns a
// plain one: listeners attached once and removed by reference, one teardown, one closing line.
// The node socket can change under it (a resume); the client socket never does.
import type net from 'node:net';
import type { Logger } from '../log.js';
import type { NodeReader } from '../session/node-reader.js';
import type { SessionSummary } from '../observe.js';
import type { ResumableSession } from './resumable-session.js';
import { CLOSE_LINGER_MS, logClosed } from '../session/closing-line.js';

export interface ConnectionInit {
  readonly transport: string;
  readonly clientAddress: string;
  readonly user: string | undefined;
  readonly heldMs: number;
  readonly log: Logger;
  readonly onDone: (session: ResumableConnection, summary: SessionSummary) => void;
}

export class ResumableConnection {
  private reason: string | undefined;
  private clientClosed = false;
  /** The client sent its FIN: the session is ending, a node that closes now is not lost. */
  private clientEnded = false;
  private nodeClosed = false;
  private summary: SessionSummary | undefined;
  private waiters: Array<(s: SessionSummary) => void> = [];
  private readonly startedAt = Date.now();
  private bytesFromClient = 0;
  private bytesToClient = 0;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly session: ResumableSession,
    private readonly init: ConnectionInit,
  ) {}

  get id(): number {
    return this.session.id;
  }
  get nodeName(): string {
    return this.session.nodeName;
  }
  get done(): Promise<SessionSummary> {
    if (this.summary) return Promise.resolve(this.summary);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  start(clientEnded: boolean): void {
    const { client } = this.session;
    client.setNoDelay(true);
    client.on('error', this.onClientError);
    client.on('data', this.onClientData);
    client.on('drain', this.onClientDrain);
    client.on('end', this.onClientEnd);
    client.on('close', this.onClientClose);
    this.session.onSwap = (old, next, reader) => {
      this.detachNode(old);
      this.attachNode(next, reader);
    };
    this.attachNode(this.session.nodeSocket, this.session.nodeReader);
    if (clientEnded) this.session.nodeSocket.end();
    client.resume();
  }

  private attachNode(node: net.Socket, reader: NodeReader): void {
    node.setNoDelay(true);
    node.on('error', this.onNodeError);
    node.on('drain', this.onNodeDrain);
    node.on('end', this.onNodeEnd);
    node.on('close', this.onNodeClose);
    this.nodeClosed = false;
    reader.sink = this.onNodeData;
    node.resume();
  }

  private detachNode(node: net.Socket): void {
    node.off('error', this.onNodeError);
    node.off('drain', this.onNodeDrain);
    node.off('end', this.onNodeEnd);
    node.off('close', this.onNodeClose);
    node.on('error', () => {}); // it is destroyed soon; a late error must not be unhandled
  }

  /** The reader of the node socket the commit handed over. */
  readonly onNodeData = (view: Buffer, borrowed: boolean): void => {
    this.bytesToClient += view.length;
    this.session.fromNode(view, borrowed);
  };
  private readonly onClientData = (chunk: Buffer): void => {
    this.bytesFromClient += chunk.length;
    this.session.fromClient(chunk);
  };
  private readonly onClientError = (err: NodeJS.ErrnoException) => this.note(`client error ${err.code ?? err.message}`);
  private readonly onNodeError = (err: NodeJS.ErrnoException) => this.nodeLost(`node error ${err.code ?? err.message}`);
  private readonly onClientDrain = () => this.session.nodeSocket.resume();
  private readonly onNodeDrain = () => this.session.client.resume();
  private readonly onClientEnd = () => {
    this.note('client closed');
    this.clientEnded = true;
    this.session.ended();
    this.session.nodeSocket.end();
  };
  private readonly onNodeEnd = () => this.nodeLost('node closed');
  private readonly onClientClose = () => {
    this.clientClosed = true;
    this.session.ended();
    this.session.nodeSocket.destroy();
    if (this.nodeClosed || this.session.state === 'ended') this.finish();
  };
  private readonly onNodeClose = () => {
    if (this.session.state === 'resuming') return;
    this.nodeLost('node closed');
    this.nodeClosed = true;
    if (this.clientClosed) this.finish();
  };

  /** The node went away on its own: resume if the session can, else close the client as today. */
  private nodeLost(reason: string): void {
    if (this.clientClosed || this.session.state === 'resuming') return;
    if (!this.clientEnded && this.session.resume(reason)) return;
    this.note(reason);
    if (this.clientEnded) this.session.client.end();
    else this.session.client.destroy();
  }

  /** The failover policy's call: resume this session, or (false) it cannot. */
  resume(reason: string): boolean {
    return this.session.resume(reason);
  }

  private note(reason: string): void {
    this.reason ??= reason;
  }

  destroy(reason: string): void {
    this.note(reason);
    this.session.client.destroy();
    this.session.nodeSocket.destroy();
  }

  /** Graceful: the client gets what is queued and a FIN; destroyed if it lingers CLOSE_LINGER_MS. */
  close(reason: string): void {
    if (this.summary || this.lingerTimer) return;
    this.note(reason);
    this.session.ended();
    this.session.client.end();
    this.session.nodeSocket.destroy();
    this.lingerTimer = setTimeout(() => this.session.client.destroy(), CLOSE_LINGER_MS);
  }

  private finish(): void {
    if (this.summary) return;
    clearTimeout(this.lingerTimer);
    const { init, session } = this;
    const summary: SessionSummary = {
      id: session.id,
      node: session.nodeName,
      transport: init.transport,
      client: init.clientAddress,
      bytesFromClient: this.bytesFromClient,
      bytesToClient: this.bytesToClient,
      durationMs: Date.now() - this.startedAt,
      reason: this.reason ?? 'closed',
    };
    this.summary = summary;
    logClosed(init.log, summary, init, {
      resumes: session.resumes,
      resume: session.notResumable === undefined ? 'resumable' : `not resumable: ${session.notResumable}`,
    });
    init.onDone(this, summary);
    for (const resolve of this.waiters.splice(0)) resolve(summary);
  }
}
