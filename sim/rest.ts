// The node's REST port (Livy's 8998): the /ha-status health signal, 307 to the leader on a
// passive node, and the control endpoint that lets a test steer a node in another process.
import http from 'node:http';
import type { Logger } from 'pino';
import { SIM_DBMS_VERSION } from './service.js';
import { RestApi } from './rest-api.js';

export type SimRole = 'leader' | 'follower';

export interface RestHost {
  readonly name: string;
  role(): SimRole;
  /** The leader's REST base URL as this node knows it (its own when it leads). */
  leaderRestUrl(): string | undefined;
  setRole(role: SimRole, leaderRestUrl?: string, leaderThriftUrl?: string): void;
  /** Throws RangeError on a bad ms. */
  delayReplies(method: string, ms: number): void;
  /** Forgets the HTTP auth cookies it issued (as expired cookies are): their next use earns a 401. */
  forgetCookies(): void;
  /** The Thrift port refuses connections for `ms` (open connections stay). */
  refuseThriftFor(ms: number): Promise<void>;
  /** The next `calls` HTTP Thrift calls are answered 503 "busy", whatever the role. */
  busyFor(calls: number): void;
  /** Every open Thrift connection is reset, the role unchanged (a network reset, a firewall's idle timeout). */
  dropConnections(): void;
  gate(fn: () => void): void;
  /** What `GET /_sim/stats` answers (SimNodeStats). */
  stats(): unknown;
  readonly restCounters: { restRequests: number; haStatusRequests: number };
}

function json(res: http.ServerResponse, status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

export function createRestServer(host: RestHost, logger: Logger): http.Server {
  const api = new RestApi(host.name);
  return http.createServer((req, res) => {
    host.gate(() => {
      if (!req.socket.destroyed) route(host, api, logger, req, res);
    });
  });
}

function route(host: RestHost, api: RestApi, logger: Logger, req: http.IncomingMessage, res: http.ServerResponse): void {
  host.restCounters.restRequests += 1;
  const url = new URL(req.url ?? '/', 'http://sim');
  // Only the API reads bodies; reading the rest keeps the keep-alive connection usable.
  const apiReadsBody = host.role() === 'leader' && req.method === 'POST' && (url.pathname.startsWith('/sessions') || url.pathname === '/_sim/sink');
  if (!apiReadsBody) req.resume();
  if (url.pathname === '/_sim/rest-auth') {
    restAuth(api, req, res, url);
    return;
  }
  if (url.pathname === '/ha-status') {
    host.restCounters.haStatusRequests += 1;
    if (host.role() === 'leader') json(res, 200, { status: 'leader' });
    else json(res, 503, { status: 'follower' });
    return;
  }
  if (url.pathname === '/_sim/role') {
    control(host, logger, req, res, url);
    return;
  }
  if (url.pathname === '/_sim/stats') {
    json(res, 200, host.stats());
    return;
  }
  if (url.pathname === '/_sim/delay') {
    delayControl(host, req, res, url);
    return;
  }
  const action = SWITCHES[url.pathname];
  if (action && req.method === 'POST') {
    runSwitch(action, host, url, res);
    return;
  }
  if (host.role() === 'leader') {
    const user = api.authorize(req);
    if (user === undefined) {
      req.resume();
      json(res, 401, { msg: 'Unauthorized' }, { 'www-authenticate': 'Basic realm="livy"' });
      return;
    }
    // x-sim-delay-ms: the answer comes this much later (a slow call, for requests in flight at a failover).
    const delayMs = Number(req.headers['x-sim-delay-ms'] ?? 0);
    const answer = (status: number, value: unknown): void => {
      if (delayMs > 0) setTimeout(() => json(res, status, value), delayMs).unref();
      else json(res, status, value);
    };
    if (api.handle(req, res, user, answer)) return;
    if (url.pathname === '/version') json(res, 200, { version: SIM_DBMS_VERSION, node: host.name });
    else json(res, 200, { node: host.name, path: url.pathname });
    return;
  }
  const leader = host.leaderRestUrl();
  if (leader === undefined) {
    json(res, 503, { status: 'follower', leader: null });
    return;
  }
  // Livy's passive node: 307 to the same path on the active node.
  json(res, 307, { status: 'follower', leader }, { location: leader.replace(/\/+$/, '') + (req.url ?? '/') });
}

/** `POST /_sim/rest-auth?user=NAME&password=PW` requires Basic auth on the REST API; without user: none. */
function restAuth(api: RestApi, req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
  const user = url.searchParams.get('user');
  if (req.method !== 'POST') return json(res, 400, { error: 'use POST /_sim/rest-auth?user=NAME&password=PW' });
  api.setUsers(user ? new Map([[user, url.searchParams.get('password') ?? '']]) : undefined);
  res.writeHead(204);
  res.end();
}

/** `POST /_sim/role?role=leader|follower&leader=<restUrl>&leaderThrift=<http://host:port>` */
function control(host: RestHost, logger: Logger, req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
  const role = url.searchParams.get('role');
  if (req.method !== 'POST' || (role !== 'leader' && role !== 'follower')) {
    json(res, 400, { error: 'use POST /_sim/role?role=leader|follower&leader=<leaderRestUrl>' });
    return;
  }
  const leader = url.searchParams.get('leader') ?? undefined;
  const leaderThrift = url.searchParams.get('leaderThrift') ?? undefined;
  logger.info({ role, leader }, 'role set through the control endpoint');
  host.setRole(role, leader, leaderThrift);
  res.writeHead(204);
  res.end();
}

/** A whole number query parameter in [min, max]; a RangeError naming the right use otherwise. */
function param(url: URL, name: string, min: number, max: number, use: string): number {
  const n = Number(url.searchParams.get(name));
  if (!Number.isInteger(n) || n < min || n > max) throw new RangeError(use);
  return n;
}

/**
 * Test switches (POST, answered 204 once done; 400 naming the use on a bad parameter):
 * drop-connections resets every open Thrift connection, the role unchanged; forget-cookies
 * forgets the auth cookies issued; busy?calls=N answers the next N HTTP Thrift calls 503;
 * refuse-thrift?ms=N closes the Thrift listener for N ms (answered once it is closed).
 */
const SWITCHES: Record<string, (host: RestHost, url: URL) => void | Promise<void>> = {
  '/_sim/drop-connections': (host) => host.dropConnections(),
  '/_sim/forget-cookies': (host) => host.forgetCookies(),
  '/_sim/busy': (host, url) => host.busyFor(param(url, 'calls', 0, Number.MAX_SAFE_INTEGER, 'use POST /_sim/busy?calls=<n>')),
  '/_sim/refuse-thrift': (host, url) => host.refuseThriftFor(param(url, 'ms', 1, 60_000, 'use POST /_sim/refuse-thrift?ms=<1..60000>')),
};

function runSwitch(action: (host: RestHost, url: URL) => void | Promise<void>, host: RestHost, url: URL, res: http.ServerResponse): void {
  let done: void | Promise<void>;
  try {
    done = action(host, url);
  } catch (err) {
    return json(res, 400, { error: (err as Error).message });
  }
  Promise.resolve(done).then(
    () => {
      res.writeHead(204);
      res.end();
    },
    (err: Error) => json(res, 500, { error: err.message }),
  );
}

/** `POST /_sim/delay?method=GetOperationStatus&ms=2000` (ms=0 removes it). */
function delayControl(host: RestHost, req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
  const method = url.searchParams.get('method');
  const ms = Number(url.searchParams.get('ms'));
  try {
    if (req.method !== 'POST' || !method) throw new RangeError('use POST /_sim/delay?method=<TCLIService method>&ms=<ms>');
    host.delayReplies(method, ms);
  } catch (err) {
    json(res, 400, { error: (err as Error).message });
    return;
  }
  res.writeHead(204);
  res.end();
}
