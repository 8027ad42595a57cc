// Whole TBinaryProtocol messages, one list per read, for the resume stage and the resumable
// handshake: issue 18's framers (framer.ts: SASL length-prefixed, NOSASL walked by type) cut the
// stream; this adds what resuming needs on top, the messages as a list and the way back
// (re-framing a message the router rewrote or wrote itself).
import { NosaslFramer, SaslFramer, type Framer } from './framer.js';

export type BinaryFraming = 'sasl' | 'nosasl';

export class MessageSplitter {
  private readonly framer: Framer;
  private out: Buffer[] = [];

  constructor(
    private readonly framing: BinaryFraming,
    maxBytes: number,
  ) {
    const sink = (unit: { payload: Buffer | undefined }): void => {
      if (unit.payload) this.out.push(unit.payload);
    };
    this.framer = framing === 'sasl' ? new SaslFramer(sink, maxBytes) : new NosaslFramer(sink, maxBytes);
  }

  /** Each message returned is the framer's own copy, without its frame header. Throws Malformed. */
  push(chunk: Buffer): Buffer[] {
    this.framer.push(chunk);
    const messages = this.out;
    this.out = [];
    return messages;
  }

  /** A message as this transport sends it. */
  encode(message: Buffer): Buffer {
    if (this.framing === 'nosasl') return message;
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(message.length);
    return Buffer.concat([head, message]);
  }
}
