import { Malformed } from '../handshake/thrift-codec.js';
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

/** SASL transport after negotiation (PLAIN, or GSSAPI with QOP auth): a 4-byte length, then the message. */
export class SaslFramer implements Framer {
  /** The length prefix as read so far, big-endian, `headHave` bytes of it. */
  private head = 0;
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
        while (this.headHave < 4 && pos < bytes.length) {
          this.head = this.head * 256 + bytes[pos++]!;
          this.headHave++;
        }
        if (this.headHave < 4) return;
        const n = this.head;
        if (n > this.maxBytes) throw new Malformed(`frame of ${n} bytes exceeds ${this.maxBytes}`);
        // One allocation per frame, of its final size: a big result set is copied once.
        this.body = Buffer.allocUnsafe(4 + n);
        this.body.writeUInt32BE(n, 0);
        this.bodyHave = 4;
      }
      const take = Math.min(this.body.length - this.bodyHave, bytes.length - pos);
      bytes.copy(this.body, this.bodyHave, pos, pos + take);
      this.bodyHave += take;
      pos += take;
      if (this.bodyHave === this.body.length) {
        const raw = this.body;
        this.body = undefined;
        this.head = 0;
        this.headHave = 0;
        this.emit({ raw, payload: raw.subarray(4) });
      }
    }
  }
}

/** NOSASL: strict TBinaryProtocol messages back to back, each one's end found by walking it by type. */
export class NosaslFramer implements Framer {
  private buf: Buffer = Buffer.alloc(0);
  private have = 0;
  private walker: MessageWalker;

  constructor(
    private readonly emit: UnitSink,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {
    this.walker = new MessageWalker(maxBytes);
  }

  push(bytes: Buffer): void {
    let pos = 0;
    if (this.have > 0) {
      // A message begun in an earlier read: it continues in this one.
      this.append(bytes, 0);
      const end = this.walker.end(this.buf.subarray(0, this.have));
      if (end === undefined) return this.checkSize();
      pos = bytes.length - (this.have - end);
      this.done(Buffer.from(this.buf.subarray(0, end)));
    }
    // Messages that start in this read are walked in place: a read of many small messages is copied once.
    while (pos < bytes.length) {
      const view = bytes.subarray(pos);
      const end = this.walker.end(view);
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
    if (this.buf.length > KEEP_BYTES) this.buf = Buffer.alloc(0);
    this.walker = new MessageWalker(this.maxBytes);
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
