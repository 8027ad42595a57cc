import { Malformed, VERSION_1 } from './thrift-codec.js';
import { MessageWalker } from './thrift-walker.js';

/**
 * One unit of a committed byte stream, cut whole: `raw` is every byte of it as it went over the
 * wire (framing included), `payload` the Thrift message inside (a view of `raw`, or decoded from it
 * for HTTP chunked bodies). Units without a message (an HTTP 100 Continue, a GET) have no payload.
 * Concatenating every unit's `raw` gives back the stream byte for byte, so a stage that holds or
 * rewrites whole messages can forward the units it leaves alone as they are.
 */
export interface Unit {
  readonly raw: Buffer;
  readonly payload: Buffer | undefined;
}

export type UnitSink = (unit: Unit) => void;

/**
 * Cuts one direction of a committed stream into units, incrementally: bytes in, units out. `push`
 * may be given a view that is valid only during the call (node-reader.ts), so a framer copies what
 * it keeps. It throws Malformed when the bytes are not its transport; after that it is spent.
 */
export interface Framer {
  push(bytes: Buffer): void;
}

/** Livy's own limit is 100 MiB; a message past this ends observation rather than buffering it. */
export const MAX_MESSAGE_BYTES = 128 * 1024 * 1024;
/** A NOSASL message buffer up to this size is kept for the next message. */
const KEEP_BYTES = 4096;
/** Never written to: framers share it while they hold nothing. */
export const EMPTY = Buffer.alloc(0);

/** SASL transport after negotiation (PLAIN, or GSSAPI with QOP auth): a 4-byte length, then the message. */
export class SaslFramer implements Framer {
  /** The frame's first 8 bytes as read so far (`headHave` of them): its length, then the Thrift version word. */
  private length = 0;
  private word = 0;
  private headHave = 0;
  private body: Buffer | undefined;
  private bodyHave = 0;

  constructor(
    private readonly emit: UnitSink,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  push(bytes: Buffer): void {
    let pos = 0;
    while (pos < bytes.length) {
      if (this.body === undefined) {
        // Numbers, not a Buffer: an idle session's framer holds no memory of its own.
        while (this.headHave < 8 && pos < bytes.length) {
          if (this.headHave < 4) this.length = this.length * 256 + bytes[pos++]!;
          else this.word = this.word * 256 + bytes[pos++]!;
          this.headHave++;
        }
        if (this.headHave < 8) return;
        this.body = this.startFrame();
        this.bodyHave = 8;
      }
      const take = Math.min(this.body.length - this.bodyHave, bytes.length - pos);
      bytes.copy(this.body, this.bodyHave, pos, pos + take);
      this.bodyHave += take;
      pos += take;
      if (this.bodyHave === this.body.length) {
        const raw = this.body;
        this.body = undefined;
        this.headHave = this.length = this.word = 0;
        this.emit({ raw, payload: raw.subarray(4) });
      }
    }
  }

  /**
   * Judged on its first 8 bytes, before anything is allocated: a length in bounds and a strict
   * TBinaryProtocol message after it. Bytes that are not this transport (GSSAPI-wrapped, garbage)
   * end the framer here rather than make it buffer whatever length they happen to spell.
   */
  private startFrame(): Buffer {
    const n = this.length;
    if (n < 4 || n > this.maxBytes) throw new Malformed(`frame length ${n} out of range`);
    const word = this.word;
    if ((word & 0xffff0000) >>> 0 !== VERSION_1) throw new Malformed(`frame holds no strict TBinaryProtocol message (0x${word.toString(16)})`);
    // One allocation per frame, of its final size: a big result set is copied once.
    const body = Buffer.allocUnsafe(4 + n);
    body.writeUInt32BE(n, 0);
    body.writeUInt32BE(word, 4);
    return body;
  }
}

/** NOSASL: strict TBinaryProtocol messages back to back, each one's end found by walking it by type. */
export class NosaslFramer implements Framer {
  private buf: Buffer = EMPTY;
  private have = 0;
  private walker: MessageWalker | undefined;

  constructor(
    private readonly emit: UnitSink,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  push(bytes: Buffer): void {
    let pos = 0;
    if (this.have > 0) {
      // A message begun in an earlier read: it continues in this one.
      this.append(bytes, 0);
      const end = this.walker!.end(this.buf.subarray(0, this.have));
      if (end === undefined) return this.checkSize();
      pos = bytes.length - (this.have - end);
      this.done(Buffer.from(this.buf.subarray(0, end)));
    }
    // Messages that start in this read are walked in place: a read of many small messages is copied once.
    while (pos < bytes.length) {
      const view = bytes.subarray(pos);
      const end = (this.walker ??= new MessageWalker(this.maxBytes)).end(view);
      if (end === undefined) {
        this.append(bytes, pos);
        return this.checkSize();
      }
      pos += end;
      this.done(Buffer.from(view.subarray(0, end)));
    }
  }

  private checkSize(): void {
    if (this.have > this.maxBytes) throw new Malformed(`message exceeds ${this.maxBytes} bytes`);
  }

  private done(raw: Buffer): void {
    this.have = 0;
    // An idle session keeps no big buffer from its last result set.
    if (this.buf.length > KEEP_BYTES) this.buf = EMPTY;
    this.walker = undefined;
    this.emit({ raw, payload: raw });
  }

  /** Appends bytes[pos..] to the message buffer, doubling it when full (amortised one copy per byte). */
  private append(bytes: Buffer, pos: number): void {
    const n = bytes.length - pos;
    if (this.have + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.have + n, this.buf.length * 2, 256));
      this.buf.copy(grown, 0, 0, this.have);
      this.buf = grown;
    }
    bytes.copy(this.buf, this.have, pos);
    this.have += n;
  }
}
