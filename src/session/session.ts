import type net from 'node:net';
import type { Logger } from '../log.js';
import type { SessionSummary } from '../observe.js';
import { writeView, type NodeReader } from './node-reader.js';
import type { FilterFactory, SessionFilter, SessionOutputs } from './filter.js';
import { CLOSE_LINGER_MS, logClosed } from './closing-line.js';

export interface SessionOptions {
  idleTimeoutMs: number;
  keepAliveInitialDelayMs: number;
  noDelay: boolean;
}

export interface SessionInit {
  readonly id: number;
  readonly client: net.Socket;
  readonly node: net.Socket;
  readonly nodeReader: NodeReader;
  readonly nodeName: string;
  readonly transport: string;
  readonly clientAddress: string;
  /** The login name the handshake showed (never a password). */
  readonly user: string | undefined;
  /** Time the client was held waiting for an active node before its commit. */
  readonly heldMs: number;
  /** onActiveLost: resume, for a session that cannot resume (TLS, Kerberos, HTTP): why, for its closing line. */
  readonly notResumable?: string;
  /** What the client socket inherited from the listening socket (listener/inherited-options.ts): not set again. */
  readonly clientInherited?: Pick<SessionOptions, 'noDelay' | 'keepAliveInitialDelayMs'> | undefined;
  readonly opts: SessionOptions;
  /** The router's logger: the closing line names the connection itself (no child kept per session). */
  readonly log: Logger;
  /** Called once, when both sides have closed (one function for every session: the registry's). */
  readonly onDone: (session: Session, summary: SessionSummary) => void;
  /** A stage between the pipes (filter.ts); absent by default, and then no read pays for it. */
  readonly filter?: FilterFactory;
}

/** One committed session as /status lists it (with a filter only). */
export interface SessionReport extends Record<string, unknown> {
  id: number;
  client: string;
  node: string;
  transport: string;
  openedAt: string;
  bytesFromClient: number;
  bytesToClient: number;
}

/**
 * A committed connection: two pipes between the client and the node, with backpressure
 * (a full write buffer pauses the other side until 'drain') and half-close (an 'end' on one side
 * becomes end() on the other). Teardown happens once, when both sides have closed. Handshake
 * inspection is over: bytes are not looked at here (a filter stage, when configured, sees them: filter.ts).
 */
export class Session {
  readonly id: number;
  readonly nodeName: string;
  private bytesFromClient = 0;
  private bytesToClient = 0;
  private readonly startedAt = Date.now();
  private reason: string | undefined;
  private closedCount = 0;
  private summary: SessionSummary | undefined;
  /** Who awaits `done`: only a drain does, so no Promise is kept per session. */
  private waiters: Array<(s: SessionSummary) => void> | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  readonly filter: SessionFilter | undefined;

  constructor(private readonly init: SessionInit) {
    this.id = init.id;
    this.nodeName = init.nodeName;
    this.filter = init.filter?.(this.outputs);
  }

  /** How an `own` stage writes: the pipes' backpressure rule, the stage choosing what goes. */
  private get outputs(): SessionOutputs {
    const { client, node } = this.init;
    const pipe = (to: net.Socket, from: net.Socket, b: Buffer) => to.write(b) || (from.pause(), false);
    return {
      toNode: (b) => ((this.bytesFromClient += b.length), pipe(node, client, b)),
      toClient: (b) => ((this.bytesToClient += b.length), pipe(client, node, b)),
    };
  }

  /**
   * A tap sees each read once it was forwarded (a node view is written first: it stays valid to the
   * end of the call, pinned or not); an own stage forwards what it chooses through `outputs`.
   */
  private pipeThrough(filter: SessionFilter): void {
    const { client, nodeReader } = this.init;
    if (filter.mode === 'own') {
      client.on('data', (chunk: Buffer) => filter.fromClient(chunk));
      nodeReader.sink = (view) => filter.fromNode(view);
      return;
    }
    client.on('data', (chunk: Buffer) => (this.onClientData(chunk), filter.fromClient(chunk)));
    nodeReader.sink = (view, borrowed) => (this.onNodeData(view, borrowed), filter.fromNode(view));
  }

  /** Resolves with the summary once both sides have closed. */
  get done(): Promise<SessionSummary> {
    if (this.summary) return Promise.resolve(this.summary);
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }

  /**
   * `clientEnded`: the client half-closed during the handshake. The sockets come without listeners
   * but an 'error' guard each (the handshake's are removed by reference before this).
   */
  start(clientEnded: boolean): void {
    const { client, node, opts, clientInherited: had } = this.init;
    // A reload may have changed the options since the listener set them.
    const same = had?.noDelay === opts.noDelay && had.keepAliveInitialDelayMs === opts.keepAliveInitialDelayMs;
    for (const s of same ? [node] : [client, node]) {
      s.setNoDelay(opts.noDelay);
      if (opts.keepAliveInitialDelayMs > 0) s.setKeepAlive(true, opts.keepAliveInitialDelayMs);
    }
    client.on('error', this.onClientError);
    node.on('error', this.onNodeError);
    // Chosen once: without a filter the pipes run exactly the handlers they always ran, and no closure is made for one.
    if (this.filter) this.pipeThrough(this.filter);
    else {
      client.on('data', this.onClientData);
      this.init.nodeReader.sink = this.onNodeData;
    }
    client.on('drain', this.onClientDrain);
    node.on('drain', this.onNodeDrain);
    client.on('end', this.onClientEnd);
    node.on('end', this.onNodeEnd);
    client.on('close', this.onClientClose);
    node.on('close', this.onNodeClose);
    if (opts.idleTimeoutMs > 0) client.setTimeout(opts.idleTimeoutMs, this.onIdle);
    if (clientEnded) node.end();
    client.resume();
    node.resume();
  }

  private readonly onClientError = (err: NodeJS.ErrnoException) => this.note(`client error ${err.code ?? err.message}`);
  private readonly onNodeError = (err: NodeJS.ErrnoException) => this.note(`node error ${err.code ?? err.message}`);
  private readonly onClientData = (chunk: Buffer) => {
    this.bytesFromClient += chunk.length;
    if (!this.init.node.write(chunk)) this.init.client.pause();
  };
  // The node socket reads through its NodeReader (node-reader.ts): no 'data' events.
  private readonly onNodeData = (view: Buffer, borrowed: boolean) => {
    this.bytesToClient += view.length;
    if (!writeView(this.init.client, view, borrowed, this.init.nodeReader)) this.init.node.pause();
  };
  private readonly onClientDrain = () => this.init.node.resume();
  private readonly onNodeDrain = () => this.init.client.resume();
  private readonly onClientEnd = () => {
    this.note('client closed');
    this.init.node.end();
  };
  private readonly onNodeEnd = () => {
    this.note('node closed');
    this.init.client.end();
  };
  private readonly onClientClose = (hadError: boolean) => this.sideClosed(hadError, this.init.node);
  private readonly onNodeClose = (hadError: boolean) => this.sideClosed(hadError, this.init.client);
  private readonly onIdle = () => this.destroy(`idle for ${this.init.opts.idleTimeoutMs} ms`);

  /**
   * A side that closed without an error has sent FIN and received ours: the other side finishes
   * flushing on its own. Otherwise nothing more can flow: drop the other side now.
   */
  private sideClosed(hadError: boolean, other: net.Socket): void {
    if (hadError || !other.writableEnded) other.destroy();
    if (++this.closedCount === 2) this.finish();
  }

  private note(reason: string): void {
    this.reason ??= reason;
  }

  /** Immediate close of both sides, with the reason logged once. Idempotent. */
  destroy(reason: string): void {
    this.note(reason);
    this.init.client.destroy();
    this.init.node.destroy();
  }

  /**
   * Graceful close: the node side is dropped, the client gets what is already queued for it and
   * then a FIN (not a reset); a client that does not finish within CLOSE_LINGER_MS is destroyed.
   */
  close(reason: string): void {
    if (this.summary || this.lingerTimer) return;
    this.note(reason);
    const { client, node } = this.init;
    client.end();
    node.destroy();
    this.lingerTimer = setTimeout(() => client.destroy(), CLOSE_LINGER_MS);
  }

  report(now = Date.now()): SessionReport {
    const { init } = this;
    return {
      id: this.id,
      client: init.clientAddress,
      ...(init.user === undefined ? {} : { user: init.user }),
      node: this.nodeName,
      transport: init.transport,
      openedAt: new Date(this.startedAt).toISOString(),
      bytesFromClient: this.bytesFromClient,
      bytesToClient: this.bytesToClient,
      ...this.filter?.describe(now),
    };
  }

  private finish(): void {
    clearTimeout(this.lingerTimer);
    const { id, nodeName, init } = this;
    const summary: SessionSummary = {
      id,
      node: nodeName,
      transport: init.transport,
      client: init.clientAddress,
      bytesFromClient: this.bytesFromClient,
      bytesToClient: this.bytesToClient,
      durationMs: Date.now() - this.startedAt,
      reason: this.reason ?? 'closed',
    };
    this.summary = summary;
    logClosed(init.log, summary, init, {
      ...(init.notResumable === undefined ? {} : { resume: `not resumable: ${init.notResumable}` }),
      ...this.filter?.end(),
    });
    init.onDone(this, summary);
    if (this.waiters) for (const resolve of this.waiters) resolve(summary);
    this.waiters = undefined;
  }
}
