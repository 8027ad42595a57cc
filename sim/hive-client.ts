// The one way tests, the demo and benchmarks run a real client (hive-driver) against a node or a
// router. hive-driver in binary mode never rejects a call whose connection dropped: the call
// hangs and only a 'close' event shows it. So every call here races a deadline and the loss of
// the connection, and every path ends with the client's socket destroyed.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import hive from 'hive-driver';
import { HiveAuthError, HiveConnectionLostError, HiveStatusError, HiveTimeoutError, type HiveClientError } from './hive-client-errors.js';

export * from './hive-client-errors.js';

export interface HiveTarget {
  host: string;
  port: number;
  /** Default 'binary'. */
  transport?: 'binary' | 'http';
  /** Binary: SASL PLAIN (default) or NOSASL. HTTP: 'plain' sends Basic, 'nosasl' no Authorization. */
  auth?: 'plain' | 'nosasl';
  /** Default anonymous / anonymous, as hive-driver does. */
  user?: string;
  password?: string;
  /** Speak TLS to the target. rejectUnauthorized defaults to true when `ca` is given. */
  tls?: { ca?: string | Buffer; servername?: string; rejectUnauthorized?: boolean };
  /** HTTP mode path; default 'cliservice'. */
  httpPath?: string;
  /** OpenSession's configuration, e.g. `set:hiveconf:livy.session.name` or `use:database`. */
  configuration?: Record<string, string>;
  /** Deadline for connect + open session, and separately for each query. Default 10 000 ms. */
  timeoutMs?: number;
}

export interface QueryResult {
  rows: Record<string, unknown>[];
  ms: number;
}

export interface HiveCloseInfo {
  /** client-closed: close() was called; connection-lost: the connection closed or failed first. */
  reason: 'client-closed' | 'connection-lost';
  error?: HiveClientError;
}

export interface HiveSessionHandle {
  /** Execute, wait, fetch every row, close the operation. runAsync defaults to true (Hive JDBC). */
  query(sql: string, options?: { timeoutMs?: number; runAsync?: boolean }): Promise<QueryResult>;
  /** GetSchemas (a metadata call), fetched like a query: the schema names. */
  getSchemas(options?: { timeoutMs?: number }): Promise<QueryResult>;
  /** ExecuteStatement (async) and wait until it is ready, then fetch its rows a few at a time. */
  cursor(sql: string, options?: { timeoutMs?: number }): Promise<HiveCursor>;
  /** GetInfo on this session (13 = CLI_SERVER_NAME, 18 = CLI_DBMS_VER). */
  getInfo(infoType: number, options?: { timeoutMs?: number }): Promise<unknown>;
  /** CloseSession (skipped when the connection is gone or a call timed out), then destroy. */
  close(): Promise<void>;
  /** Resolves once, when the underlying connection closes, fails, or close() ends it. */
  readonly closed: Promise<HiveCloseInfo>;
  onClose(listener: (info: HiveCloseInfo) => void): void;
  readonly isClosed: boolean;
}

/** One FetchResults as the server answered it: its status is returned, not thrown. */
export interface FetchAnswer {
  statusCode: number;
  sqlState: string | undefined;
  errorMessage: string | undefined;
  /** Rows in this answer. */
  rows: number;
}

/** A statement's result read a few rows at a time (a result partly fetched). */
export interface HiveCursor {
  fetch(maxRows: number, options?: { timeoutMs?: number }): Promise<FetchAnswer>;
  /** CloseOperation; its failure is ignored. */
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** HiveServer2 returns at most 10 000 rows per fetch; asking for fewer multiplies round trips. */
const FETCH_ROWS = 10_000;
/** How long close() waits for CloseSession before destroying the connection anyway. */
const CLOSE_BUDGET_MS = 1_000;

const { TCLIService, TCLIService_types } = hive.thrift;
const utils = new hive.HiveUtils(TCLIService_types);
const PROTOCOL_V10: number = TCLIService_types.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10;

type HiveClientInstance = InstanceType<typeof hive.HiveClient>;
type AuthProvider = NonNullable<Parameters<HiveClientInstance['connect']>[2]>;
type DriverTransport = Parameters<AuthProvider['authenticate']>[0];
type DriverSession = Awaited<ReturnType<HiveClientInstance['openSession']>>;
type DriverOperation = Awaited<ReturnType<DriverSession['executeStatement']>>;
type FetchRequest = Parameters<InstanceType<typeof hive.HiveDriver>['fetchResults']>[0];

function describe(target: HiveTarget): string {
  return `${target.transport ?? 'binary'}${target.tls ? '+tls' : ''} ${target.host}:${target.port}`;
}

function hasStatusCode(err: unknown): err is { statusCode: number; message?: string } {
  return typeof err === 'object' && err !== null && typeof (err as { statusCode?: unknown }).statusCode === 'number';
}

/** Map whatever hive-driver, thrift or node threw to one of our error classes. */
function classify(err: unknown, what: string, where: string): HiveClientError {
  if (err instanceof HiveAuthError || err instanceof HiveConnectionLostError) return err;
  if (err instanceof HiveStatusError || err instanceof HiveTimeoutError) return err;
  const message =
    err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err) ? String((err as { message: unknown }).message) : String(err);
  if (hasStatusCode(err)) {
    // thrift's THTTPException: a non-200 answer in HTTP mode.
    if (err.statusCode === 401) return new HiveAuthError(`${what}: HTTP 401 from ${where}`, { cause: err });
    return new HiveConnectionLostError(`${what}: HTTP ${err.statusCode} from ${where}`, {
      cause: err,
      httpStatus: err.statusCode,
    });
  }
  if (message.startsWith('Authentication error')) {
    return new HiveAuthError(`${what}: ${message} (${where})`, { cause: err });
  }
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  const isServerAnswer =
    name === 'Status Error' || // hive-driver's StatusError: ERROR or INVALID_HANDLE status
    name === 'TApplicationException' ||
    (err instanceof Error && 'response' in err); // hive-driver's OperationStateError
  if (isServerAnswer) return new HiveStatusError(`${what}: ${message} (${where})`, { cause: err });
  return new HiveConnectionLostError(`${what}: ${message || 'connection failed'} (${where})`, { cause: err });
}

/** One hive-driver client, its socket(s), and the race of every call against loss and time. */
class Connection {
  readonly client: HiveClientInstance = new hive.HiveClient(TCLIService, TCLIService_types);
  readonly where: string;
  lost: HiveClientError | undefined;
  /** A call timed out: the connection may hold a stuck reply, do not trust it with more calls. */
  suspect = false;
  private ended = false;
  private readonly lossListeners = new Set<(err: HiveClientError) => void>();
  private readonly closeListeners: ((info: HiveCloseInfo) => void)[] = [];
  private closeInfo: HiveCloseInfo | undefined;
  private readonly sockets = new Set<net.Socket>();
  private agent: http.Agent | undefined;
  readonly closed: Promise<HiveCloseInfo>;
  private resolveClosed: (info: HiveCloseInfo) => void = () => undefined;

  constructor(private readonly target: HiveTarget) {
    this.where = describe(target);
    this.closed = new Promise<HiveCloseInfo>((resolve) => {
      this.resolveClosed = resolve;
    });
    // Without these listeners an 'error' would be thrown by the EventEmitter.
    this.client.on('error', (err: unknown) => this.markLost(classify(err, 'connection', this.where)));
    this.client.on('close', () => this.markLost(new HiveConnectionLostError(`connection closed (${this.where})`)));
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  onClose(listener: (info: HiveCloseInfo) => void): void {
    const info = this.closeInfo;
    if (info) queueMicrotask(() => listener(info));
    else this.closeListeners.push(listener);
  }

  async connect(deadline: number): Promise<void> {
    const t = this.target;
    const tls = t.tls;
    const tlsOptions = tls
      ? {
          ca: tls.ca,
          servername: tls.servername,
          rejectUnauthorized: tls.rejectUnauthorized ?? tls.ca !== undefined,
        }
      : {};
    if ((t.transport ?? 'binary') === 'http') {
      // One keep-alive connection of our own, so close() can destroy it and its loss is seen.
      const agent = tls ? new https.Agent({ keepAlive: true, maxSockets: 1 }) : new http.Agent({ keepAlive: true, maxSockets: 1 });
      agent.on('free', (socket: net.Socket) => this.watchSocket(socket));
      this.agent = agent;
      const auth =
        t.auth === 'nosasl' ? new hive.auth.NoSaslAuthentication() : new hive.auth.PlainHttpAuthentication({ username: t.user, password: t.password });
      const options = {
        path: '/' + (t.httpPath ?? 'cliservice').replace(/^\/+/, ''),
        https: tls !== undefined,
        nodeOptions: { agent, ...tlsOptions },
      };
      await this.guard(this.client.connect({ host: t.host, port: t.port, options }, new hive.connections.HttpConnection(), auth), 'connect', deadline);
      return;
    }
    const inner = t.auth === 'nosasl' ? new hive.auth.NoSaslAuthentication() : new hive.auth.PlainTcpAuthentication({ username: t.user, password: t.password });
    const auth: AuthProvider = {
      // hive-driver creates the socket inside authenticate(): catch it there so it can be watched
      // (a SASL answer of FIN alone never settles hive-driver's promise) and destroyed later.
      authenticate: (transport: DriverTransport) => {
        const result = inner.authenticate(transport);
        this.watchSocket(transport.getTransport() as net.Socket);
        return result;
      },
    };
    const options = tls ? { ssl: true, ...tlsOptions } : {};
    await this.guard(this.client.connect({ host: t.host, port: t.port, options }, new hive.connections.TcpConnection(), auth), 'connect', deadline);
  }

  /** Settle with `work`, unless the connection is lost or the deadline passes first. */
  guard<T>(work: Promise<T>, what: string, deadline: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const finish = (err: HiveClientError | undefined, value?: T): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.lossListeners.delete(onLoss);
        if (err) reject(err);
        else resolve(value as T);
      };
      const onLoss = (err: HiveClientError): void => finish(err);
      const ms = Math.max(0, deadline - Date.now());
      const timer = setTimeout(() => {
        this.suspect = true;
        finish(new HiveTimeoutError(`${what}: no answer within ${ms} ms (${this.where})`));
      }, ms);
      if (this.lost) finish(this.lost);
      else this.lossListeners.add(onLoss);
      work.then(
        (value) => finish(undefined, value),
        (err: unknown) => finish(classify(err, what, this.where)),
      );
    });
  }

  /** Close everything this connection holds; idempotent. */
  destroy(): void {
    if (this.ended) return;
    this.ended = true;
    this.client.close();
    for (const socket of this.sockets) socket.destroy();
    this.agent?.destroy();
    this.finishClose({ reason: 'client-closed' });
  }

  private watchSocket(socket: net.Socket | undefined): void {
    if (!socket || this.sockets.has(socket)) return;
    this.sockets.add(socket);
    socket.on('error', (err) => this.markLost(classify(err, 'connection', this.where)));
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.markLost(new HiveConnectionLostError(`connection closed by the peer (${this.where})`));
    });
  }

  private markLost(err: HiveClientError): void {
    if (this.lost || this.ended) return;
    this.lost = err;
    for (const listener of [...this.lossListeners]) listener(err);
    this.finishClose({ reason: 'connection-lost', error: err });
    // The peer is gone: release whatever is left on our side too.
    this.ended = true;
    for (const socket of this.sockets) socket.destroy();
    this.agent?.destroy();
  }

  private finishClose(info: HiveCloseInfo): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    this.resolveClosed(info);
    for (const listener of this.closeListeners.splice(0)) listener(info);
  }
}

class SessionHandle implements HiveSessionHandle {
  private closing: Promise<void> | undefined;

  constructor(
    private readonly conn: Connection,
    private readonly session: DriverSession,
    private readonly timeoutMs: number,
  ) {}

  get closed(): Promise<HiveCloseInfo> {
    return this.conn.closed;
  }

  get isClosed(): boolean {
    return this.conn.isClosed;
  }

  onClose(listener: (info: HiveCloseInfo) => void): void {
    this.conn.onClose(listener);
  }

  async query(sql: string, options: { timeoutMs?: number; runAsync?: boolean } = {}): Promise<QueryResult> {
    return this.queryUntil(sql, Date.now() + (options.timeoutMs ?? this.timeoutMs), options.runAsync ?? true);
  }

  async getSchemas(options: { timeoutMs?: number } = {}): Promise<QueryResult> {
    const deadline = Date.now() + (options.timeoutMs ?? this.timeoutMs);
    const op = await this.conn.guard(this.session.getSchemas({}), 'GetSchemas', deadline);
    return this.fetchOperation(op, deadline, performance.now());
  }

  async queryUntil(sql: string, deadline: number, runAsync = true): Promise<QueryResult> {
    const started = performance.now();
    // runAsync as the JDBC driver does: the server answers at once and long-polls the status.
    const op = await this.conn.guard(this.session.executeStatement(sql, { runAsync }), 'ExecuteStatement', deadline);
    return this.fetchOperation(op, deadline, started);
  }

  private async fetchOperation(op: DriverOperation, deadline: number, started: number): Promise<QueryResult> {
    const { conn } = this;
    let failed = false;
    try {
      await conn.guard(utils.waitUntilReady(op, false), 'GetOperationStatus', deadline);
      op.setMaxRows(FETCH_ROWS);
      await conn.guard(utils.fetchAll(op), 'FetchResults', deadline);
      const value: unknown = utils.getResult(op).getValue();
      const rows = Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
      return { rows, ms: performance.now() - started };
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      if (!conn.lost && !conn.suspect) {
        const closeBy = failed ? Math.min(deadline, Date.now() + CLOSE_BUDGET_MS) : deadline;
        await conn.guard(op.close(), 'CloseOperation', closeBy).catch(() => undefined);
      }
    }
  }

  async cursor(sql: string, options: { timeoutMs?: number } = {}): Promise<HiveCursor> {
    const { conn } = this;
    const deadline = Date.now() + (options.timeoutMs ?? this.timeoutMs);
    const op = await conn.guard(this.session.executeStatement(sql, { runAsync: true }), 'ExecuteStatement', deadline);
    await conn.guard(utils.waitUntilReady(op, false), 'GetOperationStatus', deadline);
    // hive-driver keeps the operation handle private, and its StatusError drops the sqlState: the
    // cursor fetches through the driver itself to report the status as the server sent it.
    const operationHandle = (op as unknown as { operationHandle: FetchRequest['operationHandle'] }).operationHandle;
    const driver = new hive.HiveDriver(TCLIService_types, conn.client.getClient());
    return {
      fetch: async (maxRows, o = {}) => {
        const request: FetchRequest = { operationHandle, orientation: TCLIService_types.TFetchOrientation.FETCH_NEXT, maxRows, fetchType: 0 };
        const resp = await conn.guard(driver.fetchResults(request), 'FetchResults', Date.now() + (o.timeoutMs ?? this.timeoutMs));
        const column = (resp.results?.columns ?? [])[0] as Record<string, { values?: unknown[] } | null | undefined> | undefined;
        const values = Object.values(column ?? {}).find((c) => Array.isArray(c?.values))?.values ?? [];
        const { statusCode, sqlState, errorMessage } = resp.status as { statusCode: number; sqlState?: string | null; errorMessage?: string | null };
        return { statusCode, sqlState: sqlState ?? undefined, errorMessage: errorMessage ?? undefined, rows: values.length };
      },
      close: async () => {
        if (conn.lost || conn.suspect) return;
        await conn.guard(op.close(), 'CloseOperation', Date.now() + CLOSE_BUDGET_MS).catch(() => undefined);
      },
    };
  }

  async getInfo(infoType: number, options: { timeoutMs?: number } = {}): Promise<unknown> {
    const deadline = Date.now() + (options.timeoutMs ?? this.timeoutMs);
    const info = await this.conn.guard(this.session.getInfo(infoType), 'GetInfo', deadline);
    return info.getValue();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const { conn } = this;
      if (!conn.lost && !conn.suspect) {
        const deadline = Date.now() + Math.min(CLOSE_BUDGET_MS, this.timeoutMs);
        await conn.guard(this.session.close(), 'CloseSession', deadline).catch(() => undefined);
      }
      conn.destroy();
    })();
    return this.closing;
  }
}

async function openUntil(target: HiveTarget, deadline: number): Promise<SessionHandle> {
  const conn = new Connection(target);
  try {
    await conn.connect(deadline);
    const session = await conn.guard(
      conn.client.openSession({
        client_protocol: PROTOCOL_V10,
        username: target.user,
        password: target.password,
        ...(target.configuration ? { configuration: target.configuration } : {}),
      }),
      'OpenSession',
      deadline,
    );
    return new SessionHandle(conn, session, target.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  } catch (err) {
    conn.destroy();
    throw err;
  }
}

/** Connect and open a session, for tests that hold a connection (and watch `closed`). */
export function openHiveSession(target: HiveTarget): Promise<HiveSessionHandle> {
  return openUntil(target, Date.now() + (target.timeoutMs ?? DEFAULT_TIMEOUT_MS));
}

/** Connect, open a session, run `sql`, fetch every row, close; all within target.timeoutMs. */
export async function runQuery(target: HiveTarget, sql: string): Promise<QueryResult> {
  const started = performance.now();
  const deadline = Date.now() + (target.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const handle = await openUntil(target, deadline);
  try {
    const { rows } = await handle.queryUntil(sql, deadline);
    return { rows, ms: performance.now() - started };
  } finally {
    await handle.close();
  }
}

/** The name of the node that answers `SELECT node` at this target. */
export async function queryNode(target: HiveTarget): Promise<string> {
  const { rows } = await runQuery(target, 'SELECT node');
  const name = rows[0]?.node;
  if (typeof name !== 'string') throw new HiveStatusError(`SELECT node returned no name (${describe(target)})`);
  return name;
}
