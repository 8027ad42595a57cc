// The TCLIService a simulated Livy node answers: sessions and operations in memory, as in a real
// Livy Thrift server, so a restart or a failover invalidates every handle a client holds.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CallGauge } from './call-gauge.js';
import type { ReplyDelays } from './delays.js';
import type { LivyStore } from './livy-store.js';
import { schemaRows, type ResultShape } from './queries.js';
import { ThriftSessions, keyOf, type ThriftSession } from './thrift-sessions.js';
import {
  EXECUTE_STATEMENT_OPERATION,
  PROTOCOL_V10,
  TCLI_METHODS,
  TFetchOrientation,
  TGetInfoType,
  TOperationState,
  TStatusCode,
  i64ToNumber,
  type TCLIHandler,
  type TExecuteStatementReq,
  type TFetchResultsReq,
  type TGetInfoReq,
  type THandleIdentifier,
  type TOpenSessionReq,
  type TOperationHandle,
  type TOperationReq,
  type TResponse,
  type TSessionReq,
  type TStatus,
} from './tcli.js';

/** What the service needs to know about the node it runs in. */
export interface ServiceHost {
  readonly name: string;
  /** A follower refuses OpenSession; everything else needs a session it cannot have. */
  isLeader(): boolean;
  readonly counters: ServiceCounters;
  /** The recovered state store the nodes of a cluster share. */
  readonly store: LivyStore;
  readonly delays: ReplyDelays;
  /** Calls being answered at once, per method (call-gauge.ts). */
  readonly gauge?: CallGauge;
  /** A follower's words for OpenSession (default INACTIVE_MESSAGE). */
  passiveWords?(message: string): string;
}

export interface ServiceCounters {
  openSessionCalls: number;
  sessionsOpened: number;
  getInfoCalls: number;
  executeCalls: number;
  fetchCalls: number;
  /** Statements that changed data (INSERT, CREATE TABLE) this node ran. */
  writeCalls: number;
  /** Applications this node stopped (the last Thrift user of a managed session closed). */
  applicationsStopped: number;
}

export const INACTIVE_MESSAGE = 'Cannot open sessions on an inactive HS2 instance';
export const SIM_DBMS_VERSION = '0.8.0-sim';
/** TOperationType.GET_SCHEMAS. */
const GET_SCHEMAS_OPERATION = 3;

/** HiveServer2's hive.server2.thrift.resultset.max.fetch.size: the most rows one fetch returns. */
const MAX_FETCH_ROWS = 10_000;
/** GetOperationStatus waits this long for a running operation, like HiveServer2's long polling. */
const LONG_POLL_MS = 1_000;

interface Operation {
  id: string;
  secret: Buffer;
  sessionId: string;
  shape: ResultShape;
  state: number;
  cursor: number;
  startedAt: number;
  completedAt: number;
  finishTimer: NodeJS.Timeout | undefined;
  /** Called once when the operation leaves RUNNING (finished, canceled, closed, node reset). */
  waiters: (() => void)[];
}

const ok = (): TStatus => ({ statusCode: TStatusCode.SUCCESS });
const error = (errorMessage: string, sqlState = 'HY000', errorCode = 0): TStatus => ({
  statusCode: TStatusCode.ERROR,
  errorMessage,
  sqlState,
  errorCode,
});
const invalidHandle = (what: string): TStatus => ({
  statusCode: TStatusCode.INVALID_HANDLE,
  errorMessage: `Invalid ${what}`,
  sqlState: 'HY000',
});

function newIdentifier(): THandleIdentifier {
  return { guid: randomBytes(16), secret: randomBytes(16) };
}

function sameSecret(a: Buffer, id: THandleIdentifier): boolean {
  return Buffer.isBuffer(id.secret) && a.equals(id.secret);
}

export class SimService {
  /** For HTTP mode, where sessions outlive connections. */
  readonly handler: TCLIHandler;
  private readonly sessions: ThriftSessions;
  private readonly operations = new Map<string, Operation>();
  /** Long-poll timers, so reset() can clear every one of them. */
  private readonly pollTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly host: ServiceHost,
    private readonly logger: Logger,
  ) {
    this.sessions = new ThriftSessions(host.store, host.name, () => host.isLeader());
    this.handler = this.buildHandler(undefined);
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  /** A binary connection's own handler: its sessions close when it does (see connectionClosed). */
  handlerFor(connection: object): TCLIHandler {
    return this.buildHandler(connection);
  }

  /** livy.server.thrift.close.session.on.disconnect (default true): binary mode only. */
  connectionClosed(connection: object): void {
    for (const session of this.sessions.onConnection(connection)) this.endSession(session);
  }

  /** Forget every session and operation and cancel every timer (node killed or demoted). */
  reset(): void {
    for (const op of this.operations.values()) this.settle(op, TOperationState.CLOSED);
    this.operations.clear();
    this.sessions.reset();
    this.host.delays.clearPending();
    this.host.gauge?.dropInFlight();
    for (const timer of this.pollTimers) clearTimeout(timer);
    this.pollTimers.clear();
  }

  private buildHandler(connection: object | undefined): TCLIHandler {
    const implemented: TCLIHandler = {
      OpenSession: async (req) => this.openSession(req as TOpenSessionReq, connection),
      CloseSession: async (req) => this.closeSession(req as TSessionReq),
      GetInfo: async (req) => this.getInfo(req as TGetInfoReq),
      ExecuteStatement: async (req) => this.executeStatement(req as TExecuteStatementReq),
      GetSchemas: async (req) => this.getSchemas(req as TSessionReq),
      GetOperationStatus: async (req) => this.getOperationStatus(req as TOperationReq),
      GetResultSetMetadata: async (req) => this.getResultSetMetadata(req as TOperationReq),
      FetchResults: async (req) => this.fetchResults(req as TFetchResultsReq),
      CancelOperation: async (req) => this.cancelOperation(req as TOperationReq),
      CloseOperation: async (req) => this.closeOperation(req as TOperationReq),
    };
    const handler: TCLIHandler = {};
    for (const method of TCLI_METHODS) {
      // The generated processor calls a one-argument handler and awaits its promise.
      handler[method] =
        implemented[method] ??
        (async (_req: unknown) => {
          this.logger.debug({ method }, 'unsupported TCLIService call');
          return { status: error(`${method} is not supported by the simulator`) };
        });
    }
    const delayed = this.host.delays.wrap(handler);
    return this.host.gauge ? this.host.gauge.wrap(delayed) : delayed;
  }

  private openSession(req: TOpenSessionReq, connection: object | undefined): TResponse {
    this.host.counters.openSessionCalls += 1;
    const serverProtocolVersion = Math.min(req.client_protocol ?? PROTOCOL_V10, PROTOCOL_V10);
    if (!this.host.isLeader()) {
      return { status: error(this.host.passiveWords?.(INACTIVE_MESSAGE) ?? INACTIVE_MESSAGE), serverProtocolVersion };
    }
    const opened = this.sessions.open(req.username ?? 'anonymous', req.configuration, connection);
    if ('error' in opened) return { status: error(opened.error), serverProtocolVersion };
    this.host.counters.sessionsOpened += 1;
    const { session, reattached } = opened;
    this.logger.debug({ session: session.key, user: session.user, livySession: session.livy.id, reattached }, 'session opened');
    return {
      status: ok(),
      serverProtocolVersion,
      sessionHandle: { sessionId: opened.handle },
      configuration: {},
    };
  }

  private findSession(req: TSessionReq): ThriftSession | undefined {
    return this.sessions.find(req.sessionHandle?.sessionId);
  }

  private closeSession(req: TSessionReq): TResponse {
    const session = this.findSession(req);
    if (!session) return { status: invalidHandle('SessionHandle') };
    this.endSession(session);
    return { status: ok() };
  }

  private endSession(session: ThriftSession): void {
    for (const op of this.operations.values()) {
      if (op.sessionId === session.key) this.dropOperation(op);
    }
    const stopped = this.sessions.close(session);
    if (stopped) this.host.counters.applicationsStopped += 1;
    this.logger.debug({ session: session.key, livySession: session.livy.id, applicationStopped: stopped }, 'session closed');
  }

  /** Answered for any handle, even an all-zero one, and never opens a session: a safe probe. */
  private getInfo(req: TGetInfoReq): TResponse {
    this.host.counters.getInfoCalls += 1;
    switch (req.infoType) {
      case TGetInfoType.CLI_SERVER_NAME:
        return { status: ok(), infoValue: { stringValue: `Livy-sim ${this.host.name}` } };
      case TGetInfoType.CLI_DBMS_NAME:
        return { status: ok(), infoValue: { stringValue: 'Livy-sim' } };
      case TGetInfoType.CLI_DBMS_VER:
        return { status: ok(), infoValue: { stringValue: SIM_DBMS_VERSION } };
      default:
        return {
          status: error(`GetInfo type ${req.infoType} is not supported by the simulator`),
          infoValue: { stringValue: '' },
        };
    }
  }

  private async executeStatement(req: TExecuteStatementReq): Promise<TResponse> {
    this.host.counters.executeCalls += 1;
    const session = this.findSession(req);
    if (!session) return { status: invalidHandle('SessionHandle') };
    const outcome = session.spark.run(req.statement ?? '');
    if (!outcome.ok) return { status: error(outcome.message, outcome.sqlState, 40000) };
    if (outcome.write) {
      this.host.counters.writeCalls += 1;
      this.host.store.recordExecution({ appId: session.livy.appId, ...outcome.write });
    }
    const query = outcome.query;
    const { op, handle } = this.newOperation(session, outcome.shape, EXECUTE_STATEMENT_OPERATION);
    if (query?.kind === 'sleep') {
      op.state = TOperationState.RUNNING;
      op.finishTimer = setTimeout(() => this.settle(op, TOperationState.FINISHED), query.ms);
      // A synchronous statement is answered only when it is done, as HiveServer2 does.
      if (!req.runAsync) await new Promise<void>((resolve) => op.waiters.push(resolve));
    }
    this.logger.debug({ session: session.key, operation: op.id, query: query?.kind ?? outcome.write?.kind ?? 'state' }, 'statement');
    return { status: ok(), operationHandle: handle };
  }

  /** A metadata call: the databases this session has used, as TABLE_SCHEM / TABLE_CATALOG. */
  private getSchemas(req: TSessionReq): TResponse {
    const session = this.findSession(req);
    if (!session) return { status: invalidHandle('SessionHandle') };
    const names = [...new Set(['default', session.spark.database])];
    const { handle } = this.newOperation(session, schemaRows(names), GET_SCHEMAS_OPERATION);
    return { status: ok(), operationHandle: handle };
  }

  private newOperation(session: ThriftSession, shape: ResultShape, operationType: number): { op: Operation; handle: TOperationHandle } {
    const id = newIdentifier();
    const op: Operation = {
      id: keyOf(id),
      secret: id.secret,
      sessionId: session.key,
      shape,
      state: TOperationState.FINISHED,
      cursor: 0,
      startedAt: Date.now(),
      completedAt: Date.now(),
      finishTimer: undefined,
      waiters: [],
    };
    this.operations.set(op.id, op);
    return { op, handle: { operationId: id, operationType, hasResultSet: true } };
  }

  private findOperation(req: TOperationReq): Operation | undefined {
    const id = req.operationHandle?.operationId;
    const op = this.operations.get(keyOf(id));
    return op && id && sameSecret(op.secret, id) ? op : undefined;
  }

  private async getOperationStatus(req: TOperationReq): Promise<TResponse> {
    let op = this.findOperation(req);
    if (!op) return { status: invalidHandle('OperationHandle') };
    if (op.state === TOperationState.RUNNING) {
      await this.longPoll(op);
      op = this.findOperation(req);
      if (!op) return { status: invalidHandle('OperationHandle') };
    }
    return {
      status: ok(),
      operationState: op.state,
      hasResultSet: true,
      operationStarted: op.startedAt,
      operationCompleted: op.state === TOperationState.RUNNING ? 0 : op.completedAt,
      ...(op.state === TOperationState.CANCELED ? { errorMessage: 'Operation canceled' } : {}),
    };
  }

  private longPoll(op: Operation): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.pollTimers.delete(timer);
        resolve();
      };
      const timer = setTimeout(done, LONG_POLL_MS);
      this.pollTimers.add(timer);
      op.waiters.push(done);
    });
  }

  private getResultSetMetadata(req: TOperationReq): TResponse {
    const op = this.findOperation(req);
    if (!op) return { status: invalidHandle('OperationHandle') };
    return { status: ok(), schema: { columns: op.shape.columns } };
  }

  private fetchResults(req: TFetchResultsReq): TResponse {
    this.host.counters.fetchCalls += 1;
    const op = this.findOperation(req);
    if (!op) return { status: invalidHandle('OperationHandle') };
    if ((req.fetchType ?? 0) !== 0) {
      // fetchType 1 asks for the operation log; the simulator keeps none.
      return {
        status: ok(),
        hasMoreRows: false,
        results: { startRowOffset: 0, rows: [], columns: [] },
      };
    }
    if (op.state !== TOperationState.FINISHED) {
      return { status: error(`Expected state FINISHED, but found ${stateName(op.state)}`) };
    }
    if (req.orientation === TFetchOrientation.FETCH_FIRST) {
      op.cursor = 0;
    } else if (req.orientation !== TFetchOrientation.FETCH_NEXT) {
      return {
        status: error(`Fetch orientation ${req.orientation} is not supported by the simulator`),
      };
    }
    const wanted = Math.max(0, Math.min(i64ToNumber(req.maxRows), MAX_FETCH_ROWS));
    const from = op.cursor;
    const count = Math.min(wanted, op.shape.rowCount - from);
    op.cursor = from + count;
    return {
      status: ok(),
      hasMoreRows: op.cursor < op.shape.rowCount,
      results: { startRowOffset: from, rows: [], columns: op.shape.rows(from, count) },
    };
  }

  private cancelOperation(req: TOperationReq): TResponse {
    const op = this.findOperation(req);
    if (!op) return { status: invalidHandle('OperationHandle') };
    if (op.state === TOperationState.RUNNING) this.settle(op, TOperationState.CANCELED);
    return { status: ok() };
  }

  private closeOperation(req: TOperationReq): TResponse {
    const op = this.findOperation(req);
    if (!op) return { status: invalidHandle('OperationHandle') };
    this.dropOperation(op);
    return { status: ok() };
  }

  private dropOperation(op: Operation): void {
    this.settle(op, TOperationState.CLOSED);
    this.operations.delete(op.id);
  }

  /** Move an operation out of RUNNING (if it still is) and wake everyone waiting on it. */
  private settle(op: Operation, state: number): void {
    clearTimeout(op.finishTimer);
    op.finishTimer = undefined;
    if (op.state === TOperationState.RUNNING || state === TOperationState.CLOSED) {
      op.state = state;
      op.completedAt = Date.now();
    }
    const waiters = op.waiters;
    op.waiters = [];
    for (const wake of waiters) wake();
  }
}

function stateName(state: number): string {
  const names: Record<number, string> = {
    [TOperationState.INITIALIZED]: 'INITIALIZED',
    [TOperationState.RUNNING]: 'RUNNING',
    [TOperationState.FINISHED]: 'FINISHED',
    [TOperationState.CANCELED]: 'CANCELED',
    [TOperationState.CLOSED]: 'CLOSED',
    [TOperationState.ERROR]: 'ERROR',
  };
  return names[state] ?? String(state);
}
