import { classifyProbeError } from './probe-errors.js';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { CheckerContext } from './checker.js';
import { CheckConnectionLostError, CheckGarbageError, CheckTimeoutError } from './errors.js';

export interface HttpAnswer {
  readonly status: number;
  readonly location: string | undefined;
  /** The first bytes of the body, for logs. */
  readonly body: string;
}

/** What an HTTP check could not get: the outcome mapping lives with each check kind. */
export type HttpFailure =
  | { kind: 'refused'; error: Error }
  | { kind: 'timeout'; error: CheckTimeoutError }
  | { kind: 'lost'; error: CheckConnectionLostError }
  | { kind: 'garbage'; error: CheckGarbageError }
  | { kind: 'tls'; error: Error };

const MAX_BODY_BYTES = 4096;

/**
 * GETs on one node's REST port over one kept-alive connection (Livy's Jetty keeps it 30 s and
 * more), so a check every few hundred ms costs the node one tiny request, not a connection.
 * When that idle connection closes between checks, `onProbeLost` fires: a killed node is seen
 * at once instead of at the next interval.
 */
export class HttpProbe {
  private readonly agent: http.Agent;
  private readonly watched = new WeakSet<net.Socket>();
  /** Sockets we closed ourselves, or that the server said it would close: not a sign of loss. */
  private readonly expectedClose = new WeakSet<net.Socket>();
  private inFlight = false;
  private closed = false;
  private readonly address: string;

  constructor(private readonly ctx: CheckerContext) {
    const { check } = ctx;
    const opts = { keepAlive: true, maxSockets: 1, maxFreeSockets: 1 };
    this.agent = check.tls ? new https.Agent({ ...opts, rejectUnauthorized: check.tlsVerify }) : new http.Agent(opts);
    this.address = `${ctx.node.host}:${ctx.node.restPort}`;
  }

  get(path: string): Promise<HttpAnswer | HttpFailure> {
    const { node, check } = this.ctx;
    const what = `GET ${path}`;
    this.inFlight = true;
    return new Promise<HttpAnswer | HttpFailure>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (v: HttpAnswer | HttpFailure) => {
        clearTimeout(timer);
        timer = undefined;
        this.inFlight = false;
        resolve(v);
      };
      const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
      if (check.user !== undefined) {
        headers.authorization = `Basic ${Buffer.from(`${check.user}:${check.password ?? ''}`).toString('base64')}`;
      }
      const mod = check.tls ? https : http;
      const req = mod.request({
        host: node.host,
        port: node.restPort,
        path,
        method: 'GET',
        headers,
        agent: this.agent,
        ...(check.tls && net.isIP(node.host) === 0 ? { servername: node.host } : {}),
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (timer === undefined) return; // settled already (timeout, or the answer was read)
        settle(this.failure(what, err));
      });
      req.on('socket', (socket) => this.watch(socket));
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < MAX_BODY_BYTES) body += chunk.slice(0, MAX_BODY_BYTES - body.length);
        });
        res.on('error', () => {}); // reported through req's 'error' (or the timeout)
        res.on('end', () => {
          if (res.headers.connection?.toLowerCase() === 'close') this.expectedClose.add(res.socket);
          const location = res.headers.location;
          settle({ status: res.statusCode ?? 0, location, body });
        });
      });
      timer = setTimeout(() => {
        const error = new CheckTimeoutError(what, this.address, check.timeoutMs);
        if (req.socket) this.expectedClose.add(req.socket);
        settle({ kind: 'timeout', error });
        // The kept-alive connection is stuck behind the unanswered request: drop it, so the next
        // check starts clean (and sees a refused connect if the node is gone).
        req.destroy(error);
      }, check.timeoutMs);
      req.end();
    });
  }

  private failure(what: string, err: NodeJS.ErrnoException): HttpFailure {
    const code = err.code ?? '';
    const kind = classifyProbeError(code);
    if (kind === 'unreachable') return { kind: 'refused', error: err };
    if (kind === 'garbage') return { kind: 'garbage', error: new CheckGarbageError(what, this.address, `${code}: ${err.message}`) };
    if (kind === 'tls') return { kind: 'tls', error: err };
    const how = code === 'ECONNRESET' ? 'reset the connection' : `failed (${code || err.message})`;
    return { kind: 'lost', error: new CheckConnectionLostError(what, this.address, how) };
  }

  private watch(socket: net.Socket): void {
    if (this.watched.has(socket)) return;
    this.watched.add(socket);
    socket.once('close', () => {
      if (!this.inFlight && !this.closed && !this.expectedClose.has(socket)) this.ctx.onProbeLost();
    });
  }

  close(): Promise<void> {
    this.closed = true;
    this.agent.destroy();
    return Promise.resolve();
  }
}

/** `Location: http://host:port/...` as a host and port, when it parses. */
export function locationHint(location: string | undefined): { host: string; port: number } | undefined {
  if (!location) return undefined;
  try {
    const url = new URL(location);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return undefined;
  }
}
