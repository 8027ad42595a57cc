// The TCLIService definitions the simulator serves. The Thrift-generated JavaScript comes from
// hive-driver (untyped CommonJS); this file is the one place that gives it types, so the rest of
// sim/ never touches an untyped value.
import hive from 'hive-driver';
import type { TProtocol } from 'thrift';

/** Values from TCLIService.thrift (hive-driver/thrift/TCLIService.thrift). */
export const TStatusCode = {
  SUCCESS: 0,
  SUCCESS_WITH_INFO: 1,
  STILL_EXECUTING: 2,
  ERROR: 3,
  INVALID_HANDLE: 4,
} as const;

export const TOperationState = {
  INITIALIZED: 0,
  RUNNING: 1,
  FINISHED: 2,
  CANCELED: 3,
  CLOSED: 4,
  ERROR: 5,
} as const;

export const TTypeId = { BIGINT: 4, STRING: 7 } as const;

export const TFetchOrientation = { FETCH_NEXT: 0, FETCH_FIRST: 4 } as const;

export const TGetInfoType = { CLI_SERVER_NAME: 13, CLI_DBMS_NAME: 17, CLI_DBMS_VER: 18 } as const;

/** HIVE_CLI_SERVICE_PROTOCOL_V10: the newest version the simulator speaks. */
export const PROTOCOL_V10 = 9;

export const EXECUTE_STATEMENT_OPERATION = 0;

export interface TStatus {
  statusCode: number;
  infoMessages?: string[];
  sqlState?: string;
  errorCode?: number;
  errorMessage?: string;
}

export interface THandleIdentifier {
  guid: Buffer;
  secret: Buffer;
}

export interface TSessionHandle {
  sessionId: THandleIdentifier;
}

export interface TOperationHandle {
  operationId: THandleIdentifier;
  operationType: number;
  hasResultSet: boolean;
}

/** An i64 as the Thrift runtime reads it (node-int64), or a plain number. */
export type ThriftI64 = number | { toNumber(allowImprecise?: boolean): number };

export interface TOpenSessionReq {
  client_protocol: number;
  username?: string | null;
  password?: string | null;
  configuration?: Record<string, string> | null;
}

export interface TSessionReq {
  sessionHandle: TSessionHandle;
}

export interface TGetInfoReq extends TSessionReq {
  infoType: number;
}

export interface TExecuteStatementReq extends TSessionReq {
  statement: string;
  runAsync?: boolean | null;
}

export interface TOperationReq {
  operationHandle: TOperationHandle;
}

export interface TFetchResultsReq extends TOperationReq {
  orientation: number;
  maxRows: ThriftI64;
  fetchType?: number | null;
}

export type TColumn = { i64Val: { values: number[]; nulls: Buffer } } | { stringVal: { values: string[]; nulls: Buffer } };

export interface TRowSet {
  startRowOffset: number;
  rows: never[];
  columns: TColumn[];
}

export interface TColumnDesc {
  columnName: string;
  typeDesc: { types: { primitiveEntry: { type: number } }[] };
  position: number;
  comment?: string;
}

/** What a handler method resolves to: the method's response struct as a plain object. */
export type TResponse = { status: TStatus } & Record<string, unknown>;

export type TCLIHandler = Record<string, (req: unknown) => Promise<TResponse>>;

interface TCLIProcessor {
  process(input: TProtocol, output: TProtocol): void;
}

interface TCLIServiceModule {
  Processor: new (handler: TCLIHandler) => TCLIProcessor;
}

const service: TCLIServiceModule = hive.thrift.TCLIService;

/** Every method name of the service, from the generated processor (`process_<Method>`). */
export const TCLI_METHODS: readonly string[] = Object.keys(service.Processor.prototype)
  .filter((key) => key.startsWith('process_'))
  .map((key) => key.slice('process_'.length));

export type { TCLIProcessor };

export function createProcessor(handler: TCLIHandler): TCLIProcessor {
  return new service.Processor(handler);
}

export function i64ToNumber(value: ThriftI64 | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber(true);
}
