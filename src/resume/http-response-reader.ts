// The node's side of a resumable HTTP connection: whole responses, one at a time, to be read (a
// Thrift reply per body); a response whose body is over the limit (a FetchResults of many rows) is
// relayed as it comes instead, its head read and its body not, so the connection stays resumable.
// Anything else it cannot read makes the connection a plain pipe (the owner's call).
import { largeResponse, readMessage, type HttpLimits, type WholeMessage } from '../wire/http-exchange.js';
import type { HttpHead } from '../wire/http-message.js';

export interface ResponseSink {
  /** A whole response: `raw` is relayed by the sink unless it consumes it. */
  whole(raw: Buffer, message: WholeMessage): void;
  /** The head of a response relayed as it comes; false: it cannot be (the connection is piped). */
  large(head: HttpHead, status: number): boolean;
  /** Bytes of a large response, relayed unread. */
  relay(bytes: Buffer): void;
  /** The large response is all relayed. */
  largeDone(): void;
  unreadable(why: string, pending: Buffer): void;
}

export class ResponseReader {
  private buf: Buffer = Buffer.alloc(0);
  /** Body bytes of a large response still to relay. */
  private left = 0;
  private stopped = false;

  constructor(
    private readonly limits: HttpLimits,
    private readonly sink: ResponseSink,
  ) {}

  /** `bytes` is the reader's to keep. */
  push(bytes: Buffer): void {
    let rest = this.buf.length ? Buffer.concat([this.buf, bytes]) : bytes;
    this.buf = Buffer.alloc(0);
    while (rest.length > 0 && !this.stopped) {
      if (this.left > 0) {
        const n = Math.min(this.left, rest.length);
        this.sink.relay(rest.subarray(0, n));
        rest = rest.subarray(n);
        this.left -= n;
        if (this.left === 0) this.sink.largeDone();
        continue;
      }
      const big = largeResponse(rest, this.limits);
      if (big) {
        if (!this.sink.large(big.head, big.status)) return this.sink.unreadable('a large response to a call of the router', rest);
        this.sink.relay(rest.subarray(0, big.head.end));
        rest = rest.subarray(big.head.end);
        this.left = big.length; // over the limit: never 0
        continue;
      }
      const read = readMessage(rest, 'response', this.limits);
      if (read.kind === 'incomplete') {
        this.buf = rest; // wait for more
        return;
      }
      if (read.kind === 'unreadable') return this.sink.unreadable(read.reason, rest);
      this.sink.whole(rest.subarray(0, read.message.end), read.message);
      rest = rest.subarray(read.message.end);
    }
  }

  /** The node socket is gone, or the connection is piped: nothing more is read. */
  stop(): void {
    this.stopped = true;
    this.buf = Buffer.alloc(0);
    this.left = 0;
  }
}
