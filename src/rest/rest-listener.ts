import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { RestConfig } from '../config/rest-schema.js';
import { RouterError } from '../errors.js';
import type { Admission, LimitRefusal } from '../listener/admission.js';
import { sourceOf } from '../listener/source-limit.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import { RestExchange } from './exchange.js';
import { NodeAgents } from './node-agents.js';
import type { RestMetrics } from './rest-metrics.js';

export interface RestListenerDeps {
  config(): RouterConfig;
  readonly cluster: ClusterState;
  /** The router's admission: REST clients count against the per-source, per-listener and descriptor limits. */
  readonly admission: Admission;
  /** A client refused over a limit: counted and logged with the Thrift ones. */
  limitRefused(refusal: LimitRefusal, source: string, answering: boolean): void;
  roleAware(): boolean;
  checkNow(node: string): void;
  readonly metrics: RestMetrics;
  readonly log: Logger;
}

/** How often a stop looks whether in-flight requests have finished. */
const DRAIN_POLL_MS = 50;

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new RouterError('LR_REST_TLS_FILE', `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
}

/**
 * Livy's REST API on its own port (issue 21): an HTTP/1.1 server (HTTPS with rest.tls) whose every
 * request goes to the active node (exchange.ts). Node's HTTP server enforces the head size and the
 * head and request timeouts; idle kept-alive clients are closed after keepAliveTimeoutMs, so a slow
 * or malformed client holds a socket here, never one on a node.
 */
export class RestListener {
  private readonly exchanges = new Set<RestExchange>();
  private readonly agents: NodeAgents;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly server: http.Server,
    readonly address: net.AddressInfo,
    readonly tls: boolean,
    agents: NodeAgents,
  ) {
    this.agents = agents;
  }

  static async start(deps: RestListenerDeps): Promise<RestListener> {
    const config = deps.config();
    const rest: RestConfig = config.rest!;
    const nodeTls = rest.nodeTls ?? config.health.tls;
    const agents = new NodeAgents(nodeTls, rest.caFile ? readPem(rest.caFile, 'rest.caFile') : undefined, rest.maxSocketsPerNode);
    const options: http.ServerOptions = {
      maxHeaderSize: rest.maxHeaderBytes,
      headersTimeout: rest.headersTimeoutMs,
      requestTimeout: rest.requestTimeoutMs,
      keepAliveTimeout: rest.keepAliveTimeoutMs,
      // Node looks for heads and requests past their timeouts this often (its default, 30 s, would let them overstay).
      connectionsCheckingInterval: Math.min(1000, rest.headersTimeoutMs),
    };
    const server = rest.tls
      ? https.createServer({ ...options, cert: readPem(rest.tls.cert, 'rest.tls.cert'), key: readPem(rest.tls.key, 'rest.tls.key') })
      : http.createServer(options);
    const listener = await new Promise<RestListener>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: rest.host, port: rest.port }, () => {
        server.off('error', reject);
        resolve(new RestListener(server, server.address() as net.AddressInfo, rest.tls !== undefined, agents));
      });
    });
    listener.serve(deps);
    const address = `${listener.address.address}:${listener.address.port}`;
    deps.log.info({ address, tls: listener.tls, nodeTls }, 'REST listening');
    if (!rest.tls && nodeTls) {
      deps.log.warn(
        { address },
        `REST listener ${address} serves clear HTTP while the Livy nodes' REST ports speak HTTPS: Basic credentials cross the network unencrypted; set rest.tls`,
      );
    }
    return listener;
  }

  /** How /status lists it. */
  status(): { address: string; transport: string } {
    return { address: `${this.address.address}:${this.address.port}`, transport: this.tls ? 'rest/https' : 'rest/http' };
  }

  get inFlight(): number {
    return this.exchanges.size;
  }

  private serve(deps: RestListenerDeps): void {
    const proto = this.tls ? 'https' : 'http';
    const started = deps.config().rest!;
    const ctx = { ...deps, rest: () => deps.config().rest ?? started, agents: this.agents, proto } as const;
    const name = `${this.address.address}:${this.address.port}`;
    let open = 0;
    this.server.on('connection', (socket: net.Socket) => {
      const source = sourceOf(socket.remoteAddress);
      const refusal = deps.admission.admit(source, name, open);
      if (refusal) {
        // The client learns why, in HTTP, before the socket goes.
        const body = JSON.stringify({ error: 'over_limit', msg: refusal.message, router: 'livy-router' });
        const head = `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
        socket.end(head + body, () => socket.destroy());
        deps.limitRefused(refusal, source, true);
        return;
      }
      open++;
      socket.once('close', () => {
        open--;
        deps.admission.release(source);
      });
    });
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (this.stopping) {
        res.writeHead(503, { 'content-type': 'application/json', connection: 'close', 'retry-after': '5' });
        res.end(JSON.stringify({ error: 'shutting_down', msg: 'the router is shutting down' }));
        return;
      }
      const exchange = new RestExchange(req, res, ctx, sourceOf(req.socket.remoteAddress), () => this.exchanges.delete(exchange));
      this.exchanges.add(exchange);
      void exchange.run();
    });
    // A client whose head is malformed or too large gets Node's 400/431 and is closed.
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
      const status =
        err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? '408 Request Timeout'
            : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
      else socket.destroy();
    });
  }

  /** Ends every request now (a second signal during a drain); close() then finishes at once. */
  closeNow(): void {
    for (const e of [...this.exchanges]) e.abort();
    this.server.closeAllConnections();
  }

  /** Stops accepting, lets requests in flight finish up to graceMs, then ends the rest (idempotent). */
  close(graceMs = 0): Promise<void> {
    return (this.stopping ??= (async () => {
      const closed = new Promise<void>((r) => this.server.close(() => r()));
      this.server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (this.exchanges.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, Math.min(DRAIN_POLL_MS, deadline - Date.now())));
      for (const e of [...this.exchanges]) e.abort();
      this.server.closeAllConnections();
      this.agents.destroy();
      await closed;
    })());
  }
}
