// The TCLIService a simulated Livy node answers: sessions and operations in memory, as in a real
// Livy Thrift server, so a restart or a failover invalidates every handle a client holds.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { parseQuery, resultOf, type ResultShape } from './queries.js';
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
  /** Milliseconds by which to delay each reply of a method (SimNode.delayReplies). */
  readonly replyDelays: Map<string, number>;
  /** A follower's words for OpenSession (default INACTIVE_MESSAGE). */
  passiveWords?(message: string): string;
}

export interface ServiceCounters {
  openSessionCalls: number;
  sessionsOpened: number;
  getInfoCalls: number;
  executeCalls: number;
  fetchCalls: number;
}

export const INACTIVE_MESSAGE = 'Cannot open sessions on an inactive HS2 instance';
export const SIM_DBMS_VERSION = '0.8.0-sim';

/** HiveServer2's hive.server2.thrift.resultset.max.fetch.size: the most rows one fetch returns. */
const MAX_FETCH_ROWS = 10_000;
/** GetOperationStatus waits this long for a running operation, like HiveServer2's long polling. */
const LONG_POLL_MS = 1_000;

interface Session {
  id: string;
  secret: Buffer;
  user: string;
}

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

function keyOf(id: THandleIdentifier | undefined): string {
  return id?.guid ? Buffer.from(id.guid).toString('hex') : '';
}

function sameSecret(a: Buffer, id: THandleIdentifier): boolean {
  return Buffer.isBuffer(id.secret) && a.equals(id.secret);
}

export class SimService {
  readonly handler: TCLIHandler;
  private readonly sessions = new Map<string, Session>();
  private readonly operations = new Map<string, Operation>();
  /** Long-poll timers, so reset() can clear every one of them. */
  private readonly pollTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly host: ServiceHost,
    private readonly logger: Logger,
  ) {
    this.handler = this.buildHandler();
  }

  get openSessions(): number {
    return this.sessions.size;
  }

  /** Forget every session and operation and cancel every timer (node killed or demoted). */
  reset(): void {
    for (const op of this.operations.values()) this.settle(op, TOperationState.CLOSED);
    this.operations.clear();
    this.sessions.clear();
    for (const timer of this.pollTimers) clearTimeout(timer);
    this.pollTimers.clear();
  }

  private buildHandler(): TCLIHandler {
    const implemented: TCLIHandler = {
      OpenSession: async (req) => this.openSession(req as TOpenSessionReq),
      CloseSession: async (req) => this.closeSession(req as TSessionReq),
      GetInfo: async (req) => this.getInfo(req as TGetInfoReq),
      ExecuteStatement: async (req) => this.executeStatement(req as TExecuteStatementReq),
      GetOperationStatus: async (req) => this.getOperationStatus(req as TOperationReq),
      GetResultSetMetadata: async (req) => this.getResultSetMetadata(req as TOperationReq),
      FetchResults: async (req) => this.fetchResults(req as TFetchResultsReq),
      CancelOperation: async (req) => this.cancelOperation(req as TOperationReq),
      CloseOperation: async (req) => this.closeOperation(req as TOperationReq),
    };
    const handler: TCLIHandler = {};
    for (const method of TCLI_METHODS) {
      // The generated processor calls a one-argument handler and awaits its promise.
      const answer =
        implemented[method] ??
        (async (_req: unknown) => {
          this.logger.debug({ method }, 'unsupported TCLIService call');
          return { status: error(`${method} is not supported by the simulator`) };
        });
      handler[method] = async (req) => {
        const delayMs = this.host.replyDelays.get(method);
        if (delayMs) await this.sleep(delayMs);
        return answer(req);
      };
    }
    return handler;
  }

  /** A delay reset() cancels with the other timers (the call then never answers, as on a killed node). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pollTimers.delete(timer);
        resolve();
      }, ms);
      this.pollTimers.add(timer);
    });
  }

  private openSession(req: TOpenSessionReq): TResponse {
    this.host.counters.openSessionCalls += 1;
    const serverProtocolVersion = Math.min(req.client_protocol ?? PROTOCOL_V10, PROTOCOL_V10);
    if (!this.host.isLeader()) {
      return { status: error(this.host.passiveWords?.(INACTIVE_MESSAGE) ?? INACTIVE_MESSAGE), serverProtocolVersion };
    }
    const id = newIdentifier();
    const session: Session = { id: keyOf(id), secret: id.secret, user: req.username ?? 'anonymous' };
    this.sessions.set(session.id, session);
    this.host.counters.sessionsOpened += 1;
    this.logger.debug({ session: session.id, user: session.user }, 'session opened');
    return {
      status: ok(),
      serverProtocolVersion,
      sessionHandle: { sessionId: id },
      configuration: {},
    };
  }

  private findSession(req: TSessionReq): Session | undefined {
    const id = req.sessionHandle?.sessionId;
    const session = this.sessions.get(keyOf(id));
    return session && id && sameSecret(session.secret, id) ? session : undefined;
  }

  private closeSession(req: TSessionReq): TResponse {
    const session = this.findSession(req);
    if (!session) return { status: invalidHandle('SessionHandle') };
    for (const op of this.operations.values()) {
      if (op.sessionId === session.id) this.dropOperation(op);
    }
    this.sessions.delete(session.id);
    this.logger.debug({ session: session.id }, 'session closed');
    return { status: ok() };
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
    const query = parseQuery(req.statement ?? '');
    if (!query) {
      return {
        status: error(`Error while compiling statement: the simulator does not support: ${req.statement}`, '42000', 40000),
      };
    }
    const id = newIdentifier();
    const op: Operation = {
      id: keyOf(id),
      secret: id.secret,
      sessionId: session.id,
      shape: resultOf(query, this.host.name),
      state: TOperationState.FINISHED,
      cursor: 0,
      startedAt: Date.now(),
      completedAt: Date.now(),
      finishTimer: undefined,
      waiters: [],
    };
    this.operations.set(op.id, op);
    if (query.kind === 'sleep') {
      op.state = TOperationState.RUNNING;
      op.finishTimer = setTimeout(() => this.settle(op, TOperationState.FINISHED), query.ms);
      // A synchronous statement is answered only when it is done, as HiveServer2 does.
      if (!req.runAsync) await new Promise<void>((resolve) => op.waiters.push(resolve));
    }
    this.logger.debug({ session: session.id, operation: op.id, query: query.kind }, 'statement');
    const operationHandle: TOperationHandle = {
      operationId: id,
      operationType: EXECUTE_STATEMENT_OPERATION,
      hasResultSet: true,
    };
    return { status: ok(), operationHandle };
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
