/**
 * Just enough TBinaryProtocol to see the handshake: message headers, skipping any value, the
 * TStatus of a reply (writing is in thrift-writer.ts). Not a Thrift library: after the commit
 * only an observed session is decoded, by the call view (tcli-call.ts) over this Reader.
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

function readStatus(r: Reader, out: ReplySummary): void {
  for (;;) {
    const ft = r.byte();
    if (ft === TType.STOP) return;
    const id = r.i16();
    if (id === 1 && ft === TType.I32) out.statusCode = r.i32();
    else if (id === 5 && ft === TType.STRING) out.errorMessage = r.string();
    else r.skip(ft);
  }
}

/**
 * Reads a whole reply (REPLY or EXCEPTION) and summarises it. Throws Incomplete until every byte
 * of the message is there, so the caller can relay it intact.
 */
export function readReply(r: Reader): ReplySummary {
  const header = readMessageHeader(r);
  const out: ReplySummary = { ...header, end: 0 };
  if (header.type === MessageType.EXCEPTION) {
    // TApplicationException: 1 message string, 2 type i32.
    for (;;) {
      const ft = r.byte();
      if (ft === TType.STOP) break;
      const id = r.i16();
      if (id === 1 && ft === TType.STRING) out.errorMessage = r.string();
      else r.skip(ft);
    }
  } else if (header.type === MessageType.REPLY) {
    for (;;) {
      const ft = r.byte();
      if (ft === TType.STOP) break;
      const id = r.i16();
      if (id !== 0 || ft !== TType.STRUCT) {
        r.skip(ft);
        continue;
      }
      // <Method>_result.success: the response struct, whose field 1 is TStatus.
      for (;;) {
        const rt = r.byte();
        if (rt === TType.STOP) break;
        const rid = r.i16();
        if (rid === 1 && rt === TType.STRUCT) readStatus(r, out);
        else r.skip(rt);
      }
    }
  } else {
    throw new Malformed(`expected a REPLY or EXCEPTION, got message type ${header.type}`);
  }
  out.end = r.pos;
  return out;
}
