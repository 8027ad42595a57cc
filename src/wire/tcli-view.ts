// What the resume stage reads of a TCLIService message (service-rpc/if/TCLIService.thrift): the
// method, seqid, and where the handles it names or returns sit, so that a handle can be swapped in
// place (THandleIdentifier = 16-byte guid + 16-byte secret: same length, no re-framing).
import { Malformed, MessageType, Reader, TType, readMessageHeader, visitInnerFields } from './thrift-codec.js';
import { CREATES_OPERATION, OPERATION_CALLS, SESSION_CALLS } from './tcli-methods.js';

export { CREATES_OPERATION, OPERATION_CALLS } from './tcli-methods.js';

/** Offset of a THandleIdentifier's guid and secret (16 bytes each) inside a message. */
export interface HandleAt {
  guid: number;
  secret: number;
}

export interface CallView {
  type: number;
  name: string;
  seqid: number;
  session?: HandleAt;
  operation?: HandleAt;
  /** ExecuteStatement's text: kept in memory for the history, never logged. */
  statement?: string;
  /** FetchResults' fetchType: 0 rows, 1 the operation log. */
  fetchType?: number;
}

export interface ReplyView {
  type: number;
  name: string;
  seqid: number;
  statusCode?: number;
  /** A new operation (CREATES_OPERATION replies, field 2). */
  operation?: HandleAt;
  /** OpenSession's new session (field 3). */
  session?: HandleAt;
}

/** THandleIdentifier {1: binary guid, 2: binary secret}; undefined unless both are 16 bytes. */
function readIdentifier(r: Reader): HandleAt | undefined {
  let guid: number | undefined;
  let secret: number | undefined;
  for (;;) {
    const ft = r.byte();
    if (ft === TType.STOP) break;
    const id = r.i16();
    if (ft === TType.STRING && (id === 1 || id === 2)) {
      const n = r.length();
      if (n === 16) {
        if (id === 1) guid = r.pos;
        else secret = r.pos;
      }
      if (r.pos + n > r.buf.length) throw new Malformed('handle past the end of the message');
      r.pos += n;
    } else r.skip(ft);
  }
  return guid !== undefined && secret !== undefined ? { guid, secret } : undefined;
}

/** A TSessionHandle or TOperationHandle: field 1 is the THandleIdentifier. */
function readHandle(r: Reader): HandleAt | undefined {
  let at: HandleAt | undefined;
  for (;;) {
    const ft = r.byte();
    if (ft === TType.STOP) return at;
    const id = r.i16();
    if (id === 1 && ft === TType.STRUCT) at = readIdentifier(r);
    else r.skip(ft);
  }
}

/** A field of a request (<Method>_args field 1). */
function takeRequest(r: Reader, view: CallView, id: number, type: number): boolean {
  if (id === 1 && type === TType.STRUCT && SESSION_CALLS.has(view.name)) view.session = readHandle(r);
  else if (id === 1 && type === TType.STRUCT && OPERATION_CALLS.has(view.name)) view.operation = readHandle(r);
  else if (id === 2 && type === TType.STRING && view.name === 'ExecuteStatement') view.statement = r.string();
  else if (id === 4 && type === TType.I16 && view.name === 'FetchResults') view.fetchType = r.i16();
  else return false;
  return true;
}

/** A field of a response (<Method>_result field 0). */
function takeResponse(r: Reader, view: ReplyView, id: number, type: number): boolean {
  if (id === 1 && type === TType.STRUCT) view.statusCode = readStatusCode(r);
  else if (id === 2 && type === TType.STRUCT && CREATES_OPERATION.has(view.name)) view.operation = readHandle(r);
  else if (id === 3 && type === TType.STRUCT && view.name === 'OpenSession') view.session = readHandle(r);
  else return false;
  return true;
}

/** Reads a whole CALL message. Throws (Incomplete, Malformed, RangeError) when it cannot. */
export function readCall(message: Buffer, maxBytes: number): CallView {
  const r = new Reader(message, 0, maxBytes);
  const view: CallView = readMessageHeader(r);
  visitInnerFields(r, 1, view, takeRequest);
  return view;
}

/** Reads a whole REPLY or EXCEPTION message. */
export function readReplyView(message: Buffer, maxBytes: number): ReplyView {
  const r = new Reader(message, 0, maxBytes);
  const view: ReplyView = readMessageHeader(r);
  if (view.type === MessageType.REPLY) visitInnerFields(r, 0, view, takeResponse);
  return view;
}

function readStatusCode(r: Reader): number | undefined {
  let code: number | undefined;
  for (;;) {
    const ft = r.byte();
    if (ft === TType.STOP) return code;
    const id = r.i16();
    if (id === 1 && ft === TType.I32) code = r.i32();
    else r.skip(ft);
  }
}

/** The 32 bytes (guid + secret) of a handle, copied. */
export function handleBytes(message: Buffer, at: HandleAt): Buffer {
  return Buffer.concat([message.subarray(at.guid, at.guid + 16), message.subarray(at.secret, at.secret + 16)]);
}

/** Writes guid + secret (32 bytes from handleBytes) over the handle at `at`, in place. */
export function putHandle(message: Buffer, at: HandleAt, handle: Buffer): void {
  handle.copy(message, at.guid, 0, 16);
  handle.copy(message, at.secret, 16, 32);
}

/** A handle's key in a map: its guid in hex. */
export const handleKey = (handle: Buffer): string => handle.toString('hex', 0, 16);
