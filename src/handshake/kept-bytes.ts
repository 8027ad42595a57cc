/** Client bytes kept for replay, with one contiguous view that is rebuilt only when it grew. */
export class KeptBytes {
  private chunks: Buffer[] = [];
  private joined: Buffer = Buffer.alloc(0);
  private dirty = false;
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    this.dirty = true;
  }

  view(): Buffer {
    if (this.dirty) {
      this.joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
      this.chunks = [this.joined];
      this.dirty = false;
    }
    return this.joined;
  }

  clear(): void {
    this.chunks = [];
    this.joined = Buffer.alloc(0);
    this.length = 0;
    this.dirty = false;
  }
}
