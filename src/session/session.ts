import type net from 'node:net';
import type { Logger } from '../log.js';
import { writeView, type NodeReader } from '../upstream/node-reader.js';

export interface SessionOptions {
  idleTimeoutMs: number;
  keepAliveInitialDelayMs: number;
  noDelay: boolean;
}

export interface SessionSummary {
  id: number;
  node: string;
  transport: string;
  client: string;
  bytesFromClient: number;
  bytesToClient: number;
  durationMs: number;
  reason: string;
}

type Side = 'client' | 'node';

/**
 * A committed connection: two pipes between the client and the node, with backpressure
 * (a full write buffer pauses the other side until 'drain') and half-close (an 'end' on one side
 * becomes end() on the other). Teardown happens once, in 'close'. Handshake inspection is over:
 * bytes are not looked at here.
 */
export class Session {
  private bytesFromClient = 0;
  private bytesToClient = 0;
  private readonly startedAt = Date.now();
  private reason: string | undefined;
  private closedCount = 0;
  private summary: SessionSummary | undefined;
  /** Who awaits `done`: only a drain does, so no Promise is kept per session. */
  private waiters: Array<(s: SessionSummary) => void> | undefined;

  /**
   * `onDone` is called once, when both sides have closed. `log` is the connection's logger,
   * already bound with the node.
   */
  constructor(
    readonly id: number,
    readonly client: net.Socket,
    readonly node: net.Socket,
    private readonly nodeReader: NodeReader,
    readonly nodeName: string,
    readonly transport: string,
    private readonly clientAddress: string,
    private readonly opts: SessionOptions,
    private readonly log: Logger,
    private readonly onDone: (s: SessionSummary) => void,
  ) {}

  /** Resolves with the summary once both sides have closed. */
  get done(): Promise<SessionSummary> {
    if (this.summary) return Promise.resolve(this.summary);
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }

  /** `clientEnded`: the client half-closed during the handshake. */
  start(clientEnded: boolean): void {
    const { client, node, opts } = this;
    for (const s of [client, node]) {
      s.setNoDelay(opts.noDelay);
      if (opts.keepAliveInitialDelayMs > 0) s.setKeepAlive(true, opts.keepAliveInitialDelayMs);
    }
    client.removeAllListeners('error');
    node.removeAllListeners('error');
    client.on('error', (err: NodeJS.ErrnoException) => this.note(`client error ${err.code ?? err.message}`));
    node.on('error', (err: NodeJS.ErrnoException) => this.note(`node error ${err.code ?? err.message}`));
    this.pipe(client, node, 'client');
    this.pipe(node, client, 'node');
    if (opts.idleTimeoutMs > 0) {
      client.setTimeout(opts.idleTimeoutMs, () => this.destroy(`idle for ${opts.idleTimeoutMs} ms`));
    }
    if (clientEnded) node.end();
    client.resume();
    node.resume();
  }

  private pipe(from: net.Socket, to: net.Socket, side: Side): void {
    if (side === 'client') {
      from.on('data', (chunk: Buffer) => {
        this.bytesFromClient += chunk.length;
        if (!to.write(chunk)) from.pause();
      });
    } else {
      // The node socket reads through its NodeReader (node-reader.ts): no 'data' events.
      const reader = this.nodeReader;
      reader.sink = (view, borrowed) => {
        this.bytesToClient += view.length;
        if (!writeView(to, view, borrowed, reader)) from.pause();
      };
    }
    to.on('drain', () => from.resume());
    from.on('end', () => {
      this.note(`${side} closed`);
      to.end();
    });
    from.on('close', (hadError: boolean) => {
      // A side that closed without an error has sent FIN and received ours: the other side
      // finishes flushing on its own. Otherwise nothing more can flow: drop the other side now.
      if (hadError || !to.writableEnded) to.destroy();
      this.closedCount++;
      if (this.closedCount === 2) this.finish();
    });
  }

  private note(reason: string): void {
    this.reason ??= reason;
  }

  /** Immediate close of both sides, with the reason logged once. Idempotent. */
  destroy(reason: string): void {
    this.note(reason);
    this.client.destroy();
    this.node.destroy();
  }

  private finish(): void {
    const summary: SessionSummary = {
      id: this.id,
      node: this.nodeName,
      transport: this.transport,
      client: this.clientAddress,
      bytesFromClient: this.bytesFromClient,
      bytesToClient: this.bytesToClient,
      durationMs: Date.now() - this.startedAt,
      reason: this.reason ?? 'closed',
    };
    this.summary = summary;
    this.log.info(summary, 'connection closed');
    this.onDone(summary);
    if (this.waiters) for (const resolve of this.waiters) resolve(summary);
    this.waiters = undefined;
  }
}
