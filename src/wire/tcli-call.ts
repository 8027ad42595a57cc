import { Malformed, MessageType, readMessageHeader, Reader, StatusCode, TType, visitFields, visitInnerFields } from './thrift-codec.js';
import { CREATES_OPERATION, OPERATION_CALLS } from './tcli-methods.js';
import { fields, rowCount, RowsCounted } from './tcli-rows.js';

export { TCLI_METHODS } from './tcli-methods.js';

/**
 * What one TCLIService message says, read from the Hive IDL (service-rpc/if/TCLIService.thrift,
 * protocol versions V1-V11: later versions only add optional fields, which are skipped by type).
 * Written by hand over the handshake's Reader rather than with the `thrift` package: the generated
 * code decodes every field into objects (a FetchResults reply into one JS value per cell), where
 * this reads the few fields below and skips the rest in place, and it knows where each handle lies
 * in the message, which a stage that swaps handles needs.
 */
export interface Handle {
  /** THandleIdentifier.guid as hex: the handle's name in logs and maps. */
  readonly guid: string;
  /** Offset of the 16-byte guid in the message (the secret follows as field 2), for a swap in place. */
  readonly at: number;
}

export interface CallView {
  readonly type: number;
  readonly method: string;
  readonly seqid: number;
  /** A request's session handle (field 1 of the request) or the one OpenSession returns. */
  session?: Handle;
  /** A request's operation handle, or the one ExecuteStatement or a metadata call returns. */
  operation?: Handle;
  /** Replies: TStatus.statusCode; EXCEPTION messages have none. */
  statusCode?: number;
  sqlState?: string;
  /** ExecuteStatement request: the statement. Never log it: it can carry a password. */
  statement?: string;
  runAsync?: boolean;
  /** OpenSession: the client's or the server's protocol version. */
  protocol?: number;
  /** OpenSession request: the user name (the password field is skipped, never read). */
  username?: string;
  /** OpenSession request and reply: the configuration map (values may be secret: never logged). */
  configuration?: Map<string, string>;
  /** GetOperationStatus reply: TOperationState. */
  operationState?: number;
  /** FetchResults reply. */
  hasMoreRows?: boolean;
  rows?: number;
}

/** Replies whose field 2 is a new operation's handle (the metadata calls and ExecuteStatement, and hive-driver's two). */
const RETURNS_OPERATION = new Set([...CREATES_OPERATION, 'UploadData', 'DownloadData']);

/** Whether a reply's status counts as an error for the call (EXCEPTION has no status and is one). */
export function isErrorReply(v: CallView): boolean {
  return v.type === MessageType.EXCEPTION || v.statusCode === StatusCode.ERROR || v.statusCode === StatusCode.INVALID_HANDLE;
}

/**
 * Reads one whole TCLIService message. Throws Malformed (or Incomplete, a truncated message) on
 * bytes that are not one. A FetchResults reply is read up to its first column (tcli-rows.ts).
 */
export function readCall(msg: Buffer, maxBytes: number): CallView {
  const r = new Reader(msg, 0, maxBytes);
  const h = readMessageHeader(r);
  const view: CallView = { type: h.type, method: h.name, seqid: h.seqid };
  try {
    return readBody(r, view);
  } catch (err) {
    if (!(err instanceof RowsCounted)) throw err;
    view.rows = err.rows;
    return view;
  }
}

function readBody(r: Reader, view: CallView): CallView {
  if (view.type === MessageType.EXCEPTION) return view;
  if (view.type !== MessageType.CALL && view.type !== MessageType.ONEWAY && view.type !== MessageType.REPLY) throw new Malformed(`message type ${view.type}`);
  // <Method>_args field 1 `req`, or <Method>_result field 0 `success`.
  if (view.type === MessageType.REPLY) visitInnerFields(r, 0, view, takeResponse);
  else visitInnerFields(r, 1, view, takeRequest);
  return view;
}

/** TSessionHandle / TOperationHandle: field 1 is a THandleIdentifier whose field 1 is the guid. */
function readHandle(r: Reader): Handle | undefined {
  let handle: Handle | undefined;
  fields(r, (id, t) => {
    if (id !== 1 || t !== TType.STRUCT) return false;
    fields(r, (hid, ht) => {
      if (hid !== 1 || ht !== TType.STRING) return false;
      const n = r.length();
      const at = r.pos;
      if (at + n > r.buf.length) throw new Malformed('handle guid past the message end');
      handle = { guid: r.buf.toString('hex', at, at + n), at };
      r.pos += n;
      return true;
    });
    return true;
  });
  return handle;
}

function readMap(r: Reader): Map<string, string> {
  const kt = r.byte();
  const vt = r.byte();
  const n = r.length();
  const map = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    if (kt === TType.STRING && vt === TType.STRING) map.set(r.string(), r.string());
    else {
      r.skip(kt);
      r.skip(vt);
    }
  }
  return map;
}

/** A field of a request (<Method>_args field 1). */
function takeRequest(r: Reader, v: CallView, id: number, t: number): boolean {
  if (v.method === 'OpenSession') {
    if (id === 1 && t === TType.I32) v.protocol = r.i32();
    else if (id === 2 && t === TType.STRING) v.username = r.string();
    else if (id === 4 && t === TType.MAP) v.configuration = readMap(r);
    else return false;
    return true;
  }
  if (id === 1 && t === TType.STRUCT) {
    const handle = readHandle(r);
    if (handle) {
      if (OPERATION_CALLS.has(v.method)) v.operation = handle;
      else v.session = handle;
    }
    return true;
  }
  if (v.method !== 'ExecuteStatement') return false;
  if (id === 2 && t === TType.STRING) v.statement = r.string();
  else if (id === 4 && t === TType.BOOL) v.runAsync = r.byte() !== 0;
  else return false;
  return true;
}

/** A field of TStatus. */
function takeStatus(r: Reader, v: CallView, id: number, t: number): boolean {
  if (id === 1 && t === TType.I32) v.statusCode = r.i32();
  else if (id === 3 && t === TType.STRING) v.sqlState = r.string();
  else return false;
  return true;
}

/** A field of a response (<Method>_result field 0). */
function takeResponse(r: Reader, v: CallView, id: number, t: number): boolean {
  if (id === 1 && t === TType.STRUCT) {
    visitFields(r, v, takeStatus);
    return true;
  }
  switch (v.method) {
    case 'OpenSession':
      if (id === 2 && t === TType.I32) v.protocol = r.i32();
      else if (id === 3 && t === TType.STRUCT) v.session = readHandle(r);
      else if (id === 4 && t === TType.MAP) v.configuration = readMap(r);
      else return false;
      return true;
    case 'GetOperationStatus':
      if (id !== 2 || t !== TType.I32) return false;
      v.operationState = r.i32();
      return true;
    case 'FetchResults':
      if (id === 2 && t === TType.BOOL) v.hasMoreRows = r.byte() !== 0;
      else if (id === 3 && t === TType.STRUCT) v.rows = rowCount(r);
      else return false;
      return true;
    default:
      if (id !== 2 || t !== TType.STRUCT || !RETURNS_OPERATION.has(v.method)) return false;
      v.operation = readHandle(r);
      return true;
  }
}
