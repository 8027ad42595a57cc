/**
 * Just enough TBinaryProtocol to see the handshake: message headers, skipping any value, the
 * TStatus of a reply (writing is in thrift-writer.ts), and the walk into a message's request or
 * response struct that the views over this Reader share (visitInnerFields). Not a Thrift library:
 * after the commit only an observed or resumable session is decoded (tcli-call.ts, tcli-view.ts).
 */
import { MessageType, TType, VERSION_1 } from './thrift-types.js';

// The constants are the protocol's; they live apart so that the reader and the writer share them
// without importing each other.
export { MessageType, StatusCode, TType, VERSION_1 } from './thrift-types.js';
const MAX_DEPTH = 32;

/** Thrown when the buffer ends before the value does: wait for more bytes. */
export class Incomplete extends Error {}
/** Thrown when the bytes cannot be TBinaryProtocol. */
export class Malformed extends Error {}

export class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    /** Largest string/container we accept, so a hostile length cannot make us wait forever. */
    private readonly maxLength: number,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new Incomplete();
  }
  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  i16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  length(): number {
    const n = this.i32();
    if (n < 0 || n > this.maxLength) throw new Malformed(`length ${n} out of range (limit ${this.maxLength})`);
    return n;
  }
  string(): string {
    const n = this.length();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  skip(type: number, depth = 0): void {
    if (depth > MAX_DEPTH) throw new Malformed('nesting too deep');
    switch (type) {
      case TType.BOOL:
      case TType.BYTE:
        this.need(1);
        this.pos += 1;
        return;
      case TType.I16:
        this.need(2);
        this.pos += 2;
        return;
      case TType.I32:
        this.need(4);
        this.pos += 4;
        return;
      case TType.DOUBLE:
      case TType.I64:
        this.need(8);
        this.pos += 8;
        return;
      case TType.STRING: {
        const n = this.length();
        this.need(n);
        this.pos += n;
        return;
      }
      case TType.STRUCT:
        for (;;) {
          const ft = this.byte();
          if (ft === TType.STOP) return;
          this.i16();
          this.skip(ft, depth + 1);
        }
      case TType.MAP: {
        const kt = this.byte();
        const vt = this.byte();
        const n = this.length();
        for (let i = 0; i < n; i++) {
          this.skip(kt, depth + 1);
          this.skip(vt, depth + 1);
        }
        return;
      }
      case TType.SET:
      case TType.LIST: {
        const et = this.byte();
        const n = this.length();
        for (let i = 0; i < n; i++) this.skip(et, depth + 1);
        return;
      }
      default:
        throw new Malformed(`unknown Thrift type ${type}`);
    }
  }
}

export interface MessageHeader {
  type: number;
  name: string;
  seqid: number;
}

/** Strict TBinaryProtocol header (`80 01 00 TYPE`, name, seqid). */
export function readMessageHeader(r: Reader): MessageHeader {
  const word = r.i32() >>> 0;
  if ((word & 0xffff0000) >>> 0 !== VERSION_1) throw new Malformed(`not a strict TBinaryProtocol message (0x${word.toString(16)})`);
  const type = word & 0xff;
  const name = r.string();
  const seqid = r.i32();
  return { type, name, seqid };
}

export interface ReplySummary extends MessageHeader {
  /** TStatus.statusCode of the result's `success` struct, when there is one. */
  statusCode?: number;
  errorMessage?: string;
  /** Offset just past the whole message. */
  end: number;
}

/**
 * Reads the value of the field in hand (`id`, `type`) into `into` and returns true, or returns false
 * to have it skipped. The state comes as an argument so that one function, defined once, serves
 * every message: no closure is made per message.
 */
export type FieldVisitor<T> = (r: Reader, into: T, id: number, type: number) => boolean;

/** Walks a struct's fields up to its STOP, handing each to `visit`. */
export function visitFields<T>(r: Reader, into: T, visit: FieldVisitor<T>): void {
  for (;;) {
    const type = r.byte();
    if (type === TType.STOP) return;
    const id = r.i16();
    if (!visit(r, into, id, type)) r.skip(type);
  }
}

/**
 * Walks the rest of a message, the `<Method>_args` or `<Method>_result` struct after the header:
 * its struct field `fieldId` (1 `req` of a call, 0 `success` of a reply) has its fields handed to
 * `visit`, any other field is skipped. Returns the offset of the first such struct's STOP byte, -1
 * when the message has none.
 */
export function visitInnerFields<T>(r: Reader, fieldId: number, into: T, visit: FieldVisitor<T>): number {
  let stopAt = -1;
  for (;;) {
    const type = r.byte();
    if (type === TType.STOP) return stopAt;
    const id = r.i16();
    if (id !== fieldId || type !== TType.STRUCT) r.skip(type);
    else {
      visitFields(r, into, visit);
      if (stopAt < 0) stopAt = r.pos - 1;
    }
  }
}

/** TStatus: 1 statusCode, 5 errorMessage. */
function takeStatus(r: Reader, out: ReplySummary, id: number, type: number): boolean {
  if (id === 1 && type === TType.I32) out.statusCode = r.i32();
  else if (id === 5 && type === TType.STRING) out.errorMessage = r.string();
  else return false;
  return true;
}

/** <Method>Resp: field 1 is the TStatus. */
function takeResponse(r: Reader, out: ReplySummary, id: number, type: number): boolean {
  if (id !== 1 || type !== TType.STRUCT) return false;
  visitFields(r, out, takeStatus);
  return true;
}

/** TApplicationException: 1 message string, 2 type i32. */
function takeException(r: Reader, out: ReplySummary, id: number, type: number): boolean {
  if (id !== 1 || type !== TType.STRING) return false;
  out.errorMessage = r.string();
  return true;
}

/**
 * Reads a whole reply (REPLY or EXCEPTION) and summarises it. Throws Incomplete until every byte
 * of the message is there, so the caller can relay it intact.
 */
export function readReply(r: Reader): ReplySummary {
  const header = readMessageHeader(r);
  const out: ReplySummary = { ...header, end: 0 };
  if (header.type === MessageType.EXCEPTION) visitFields(r, out, takeException);
  // <Method>_result.success: the response struct, whose field 1 is TStatus.
  else if (header.type === MessageType.REPLY) visitInnerFields(r, 0, out, takeResponse);
  else throw new Malformed(`expected a REPLY or EXCEPTION, got message type ${header.type}`);
  out.end = r.pos;
  return out;
}
