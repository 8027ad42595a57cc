// The resume stage's own framer (until issue 18's framers land): bytes in, whole TBinaryProtocol
// messages out, for the two binary transports. After SASL PLAIN every message is a 4-byte length
// and the message (Livy's PLAIN server negotiates no QOP, so nothing is wrapped); NOSASL messages
// come back to back with no prefix and end where a walk of their struct by type ends.
import { Incomplete, Reader, readMessageHeader } from './thrift-codec.js';

export type BinaryFraming = 'sasl' | 'nosasl';

/** The bytes are not whole TBinaryProtocol messages in this framing: stop reading this stream. */
export class SplitError extends Error {}

export class MessageSplitter {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly framing: BinaryFraming,
    private readonly maxBytes: number,
  ) {}

  /** Bytes still waiting for the rest of their message. */
  get buffered(): number {
    return this.pending.length;
  }

  /** Each returned message is a copy, without its frame header. Throws SplitError. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const end = this.framing === 'sasl' ? this.framedEnd() : this.walkedEnd();
      if (end === undefined) return out;
      const start = this.framing === 'sasl' ? 4 : 0;
      out.push(this.pending.subarray(start, end));
      this.pending = this.pending.subarray(end);
    }
  }

  private framedEnd(): number | undefined {
    if (this.pending.length < 4) return undefined;
    const size = this.pending.readUInt32BE(0);
    if (size > this.maxBytes) throw new SplitError(`frame of ${size} bytes exceeds ${this.maxBytes}`);
    return this.pending.length >= 4 + size ? 4 + size : undefined;
  }

  private walkedEnd(): number | undefined {
    if (this.pending.length === 0) return undefined;
    const r = new Reader(this.pending, 0, this.maxBytes);
    try {
      readMessageHeader(r);
      r.skip(12 /* STRUCT: the args or result struct */);
      return r.pos;
    } catch (err) {
      if (err instanceof Incomplete) return undefined;
      throw new SplitError((err as Error).message);
    }
  }

  /** A message as this transport sends it. */
  encode(message: Buffer): Buffer {
    if (this.framing === 'nosasl') return message;
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(message.length);
    return Buffer.concat([head, message]);
  }
}
