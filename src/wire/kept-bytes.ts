/**
 * Client bytes kept for replay, in one buffer that grows by doubling: each byte is copied once
 * on arrival (amortised), so a client that trickles its handshake a byte at a time costs linear,
 * not quadratic, time. Bytes below `length` never change, so a view handed to a socket stays valid.
 */
export class KeptBytes {
  private buf: Buffer = Buffer.alloc(0);
  length = 0;

  push(chunk: Buffer): void {
    const needed = this.length + chunk.length;
    if (needed > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2, 256));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    chunk.copy(this.buf, this.length);
    this.length = needed;
  }

  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  clear(): void {
    this.buf = Buffer.alloc(0);
    this.length = 0;
  }
}
