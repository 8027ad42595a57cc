// Writing TBinaryProtocol: what the router answers itself (an OpenSession error reply) and what
// tests, probes and the simulator send. Reading is in thrift-codec.ts.
import { MessageType, StatusCode, TType, VERSION_1 } from './thrift-types.js';

/** Minimal writer for the messages the router composes itself (error replies, probes). */
export class Writer {
  private parts: Buffer[] = [];
  byte(v: number): this {
    this.parts.push(Buffer.from([v & 0xff]));
    return this;
  }
  i16(v: number): this {
    const b = Buffer.allocUnsafe(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(v | 0);
    this.parts.push(b);
    return this;
  }
  string(v: string | Buffer): this {
    const body = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    this.i32(body.length);
    this.parts.push(body);
    return this;
  }
  field(type: number, id: number): this {
    return this.byte(type).i16(id);
  }
  stop(): this {
    return this.byte(TType.STOP);
  }
  messageHeader(type: number, name: string, seqid: number): this {
    return this.i32(VERSION_1 | type | 0)
      .string(name)
      .i32(seqid);
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Prefixes a message with the 4-byte length used by TFramedTransport (and SASL after COMPLETE). */
export function frame(message: Buffer): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(message.length);
  return Buffer.concat([head, message]);
}

/**
 * An OpenSession reply with an ERROR status: what the router tells a client, in the client's own
 * protocol, when no node accepted and no node's own rejection fits the client's state.
 */
export function openSessionErrorReply(seqid: number, message: string): Buffer {
  return new Writer()
    .messageHeader(MessageType.REPLY, 'OpenSession', seqid)
    .field(TType.STRUCT, 0) // OpenSession_result.success
    .field(TType.STRUCT, 1) // TOpenSessionResp.status
    .field(TType.I32, 1)
    .i32(StatusCode.ERROR)
    .field(TType.STRING, 3)
    .string('08S01')
    .field(TType.I32, 4)
    .i32(0)
    .field(TType.STRING, 5)
    .string(message)
    .stop()
    .field(TType.I32, 2) // serverProtocolVersion is required by the IDL
    .i32(0)
    .stop()
    .stop()
    .toBuffer();
}
