// What a soak client asks for and what a soak node streams back, after SASL PLAIN and OpenSession:
// a request names a seed and a length; the answer is `length` bytes of the seed's keyed stream.
// Every connection uses seeds of its own, so a byte of any other session never matches.

/** Bytes in a keyed stream's repeating block. */
export const BLOCK_BYTES = 64 * 1024;
export const REQUEST_BYTES = 8;

export function encodeRequest(seed: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(REQUEST_BYTES);
  b.writeUInt32BE(seed >>> 0, 0);
  b.writeUInt32BE(length, 4);
  return b;
}

export function decodeRequest(b: Buffer, at: number): { seed: number; length: number } {
  return { seed: b.readUInt32BE(at), length: b.readUInt32BE(at + 4) };
}

/** The block a seed's stream repeats: xorshift32, so two seeds agree on a byte only by chance. */
export function keyedBlock(seed: number): Buffer {
  const block = Buffer.allocUnsafe(BLOCK_BYTES);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < BLOCK_BYTES; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    block.writeUInt32LE(x, i);
  }
  return block;
}

/** Compares `chunk`, found at stream offset `at`, with the seed's block; returns how many bytes differ. */
export function countForeign(block: Buffer, chunk: Buffer, at: number): number {
  let foreign = 0;
  let off = 0;
  while (off < chunk.length) {
    const inBlock = (at + off) % BLOCK_BYTES;
    const n = Math.min(BLOCK_BYTES - inBlock, chunk.length - off);
    const got = chunk.subarray(off, off + n);
    if (!got.equals(block.subarray(inBlock, inBlock + n))) {
      for (let i = 0; i < n; i++) if (got[i] !== block[inBlock + i]) foreign++;
    }
    off += n;
  }
  return foreign;
}
