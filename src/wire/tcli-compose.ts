// Messages the resume stage writes itself: answers to a client's call (an error that names the
// failover, or a success for closing an operation the new node never knew), the calls that replay
// a session's history, and OpenSession with a `livy.session.name` the router chose.
import { MessageType, Reader, TType, readMessageHeader, visitInnerFields } from './thrift-codec.js';
import { Writer } from './thrift-writer.js';

export interface StatusAnswer {
  /** TStatusCode: 0 SUCCESS, 3 ERROR. */
  code: number;
  sqlState?: string;
  errorCode?: number;
  message?: string;
}

/** `<Method>_result{0: <Method>Resp{1: TStatus}}`: every TCLIService response's status is field 1. */
export function statusReply(method: string, seqid: number, status: StatusAnswer): Buffer {
  const w = new Writer().messageHeader(MessageType.REPLY, method, seqid).field(TType.STRUCT, 0).field(TType.STRUCT, 1).field(TType.I32, 1).i32(status.code);
  if (status.sqlState !== undefined) w.field(TType.STRING, 3).string(status.sqlState);
  if (status.errorCode !== undefined) w.field(TType.I32, 4).i32(status.errorCode);
  if (status.message !== undefined) w.field(TType.STRING, 5).string(status.message);
  return w.stop().stop().stop().toBuffer();
}

function identifier(w: Writer, handle: Buffer): Writer {
  return w.field(TType.STRING, 1).string(handle.subarray(0, 16)).field(TType.STRING, 2).string(handle.subarray(16, 32)).stop();
}

/** ExecuteStatement on `session` (guid + secret), as the history replay sends it. */
export function executeStatementCall(seqid: number, session: Buffer, statement: string, runAsync: boolean): Buffer {
  const w = new Writer().messageHeader(MessageType.CALL, 'ExecuteStatement', seqid).field(TType.STRUCT, 1);
  w.field(TType.STRUCT, 1).field(TType.STRUCT, 1);
  identifier(w, session).stop(); // sessionId, then TSessionHandle
  w.field(TType.STRING, 2).string(statement);
  w.field(TType.BOOL, 4).byte(runAsync ? 1 : 0);
  return w.stop().stop().toBuffer();
}

/** CloseOperation of an ExecuteStatement operation (operationType 0, hasResultSet true). */
export function closeOperationCall(seqid: number, operation: Buffer): Buffer {
  const w = new Writer().messageHeader(MessageType.CALL, 'CloseOperation', seqid).field(TType.STRUCT, 1);
  w.field(TType.STRUCT, 1).field(TType.STRUCT, 1);
  identifier(w, operation);
  w.field(TType.I32, 2).i32(0).field(TType.BOOL, 3).byte(1).stop();
  return w.stop().stop().toBuffer();
}

/** CloseSession of `session`. */
export function closeSessionCall(seqid: number, session: Buffer): Buffer {
  const w = new Writer().messageHeader(MessageType.CALL, 'CloseSession', seqid).field(TType.STRUCT, 1);
  w.field(TType.STRUCT, 1).field(TType.STRUCT, 1);
  identifier(w, session).stop();
  return w.stop().stop().toBuffer();
}

export const SESSION_NAME_KEY = 'set:hiveconf:livy.session.name';
const NAME_KEYS = [SESSION_NAME_KEY, 'livy.session.name', 'set:hiveconf:livy.server.sessionId', 'livy.server.sessionId'];

interface OpenSessionLayout {
  /** Offset of the configuration map's header (key type), or of the request's STOP byte. */
  at: number;
  hasMap: boolean;
  entries: Map<string, string>;
}

/** TOpenSessionReq's field 4, the configuration: where its header starts and what it holds. */
interface Configuration {
  at: number;
  entries?: Map<string, string>;
}

function takeConfiguration(r: Reader, found: Configuration, id: number, type: number): boolean {
  if (id !== 4 || type !== TType.MAP || found.entries) return false;
  found.at = r.pos;
  const kt = r.byte();
  const vt = r.byte();
  const n = r.length();
  if (kt !== TType.STRING || vt !== TType.STRING) throw new TypeError('OpenSession configuration is not map<string,string>');
  found.entries = new Map<string, string>();
  for (let i = 0; i < n; i++) found.entries.set(r.string(), r.string());
  return true;
}

function layout(message: Buffer, maxBytes: number): OpenSessionLayout {
  const r = new Reader(message, 0, maxBytes);
  const header = readMessageHeader(r);
  if (header.name !== 'OpenSession' || header.type !== MessageType.CALL) throw new TypeError(`not an OpenSession call: ${header.name}`);
  const found: Configuration = { at: -1 };
  const stopAt = visitInnerFields(r, 1, found, takeConfiguration);
  if (stopAt < 0) throw new TypeError('OpenSession call without a request');
  // Only the first request counts: a map found past its end is a second request's.
  if (found.entries && found.at < stopAt) return { at: found.at, hasMap: true, entries: found.entries };
  return { at: stopAt, hasMap: false, entries: new Map() };
}

/** The name (or id) the client chose itself, if any: then the router injects nothing. */
export function clientSessionName(message: Buffer, maxBytes: number): string | undefined {
  const { entries } = layout(message, maxBytes);
  for (const key of NAME_KEYS) {
    const value = entries.get(key);
    if (value !== undefined) return `${key}=${value}`;
  }
  return undefined;
}

/** The same OpenSession call with `set:hiveconf:livy.session.name=name` added to its configuration. */
export function withSessionName(message: Buffer, name: string, maxBytes: number): Buffer {
  const { at, hasMap, entries } = layout(message, maxBytes);
  const entry = new Writer().string(SESSION_NAME_KEY).string(name).toBuffer();
  if (!hasMap) {
    const field = new Writer().field(TType.MAP, 4).byte(TType.STRING).byte(TType.STRING).i32(1).toBuffer();
    return Buffer.concat([message.subarray(0, at), field, entry, message.subarray(at)]);
  }
  const head = new Writer()
    .byte(TType.STRING)
    .byte(TType.STRING)
    .i32(entries.size + 1)
    .toBuffer();
  return Buffer.concat([message.subarray(0, at), head, entry, message.subarray(at + 6)]);
}
