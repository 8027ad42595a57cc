import type http from 'node:http';
import type { Writable } from 'node:stream';

/**
 * A client's request body on its way to a node, teed into memory up to `maxReplayBytes` so it can
 * be sent again after a 307 (past that it is streamed only, and cannot be re-sent). The client's
 * stream is read only while a node takes the bytes (backpressure) or while the copy is still
 * within bounds: a body is never held whole beyond maxReplayBytes.
 */
export class HeldBody {
  private chunks: Buffer[] = [];
  private heldBytes = 0;
  private total = 0;
  /** More than maxReplayBytes came: the copy was dropped. */
  private overflow = false;
  private ended = false;
  private sink: Writable | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly req: http.IncomingMessage,
    private readonly maxReplayBytes: number,
    private readonly maxBodyBytes: number,
    private readonly tooLarge: () => void,
  ) {
    req.pause();
    req.on('data', this.onData);
    req.once('end', this.onEnd);
  }

  /** The whole body, in memory: it can be sent again. */
  get replayable(): boolean {
    return this.ended && !this.overflow;
  }

  /** Some of the body has been read from the client already. */
  get started(): boolean {
    return this.total > 0;
  }

  /** Sends the body to `up`: what is held, then the rest as it comes. False when it cannot (bytes read and not held). */
  sendTo(up: Writable): boolean {
    if (this.overflow) return false;
    for (const c of this.chunks) up.write(c);
    if (this.ended) {
      up.end();
      return true;
    }
    this.sink = up;
    up.on('drain', this.onDrain);
    this.req.resume();
    return true;
  }

  /** The node is given up: keep reading only while the copy stays within bounds, for a replay. */
  detach(): void {
    this.sink?.off('drain', this.onDrain);
    this.sink = undefined;
    if (this.overflow) this.req.pause();
    else if (!this.ended) this.req.resume();
  }

  /** Resolves once the body is whole in memory (true) or can no longer be (false). */
  whenComplete(): Promise<boolean> {
    if (this.ended || this.overflow) return Promise.resolve(this.replayable);
    return new Promise<boolean>((resolve) => {
      const done = (): void => {
        this.waiters.delete(done);
        resolve(this.replayable);
      };
      this.waiters.add(done);
    });
  }

  /** Stops reading and frees the copy (the exchange is over). */
  release(): void {
    this.detach();
    this.req.off('data', this.onData);
    this.chunks = [];
    this.wake();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.total += chunk.length;
    if (this.maxBodyBytes > 0 && this.total > this.maxBodyBytes) {
      this.req.pause();
      this.req.off('data', this.onData);
      this.tooLarge();
      return;
    }
    if (!this.overflow) {
      this.heldBytes += chunk.length;
      if (this.heldBytes <= this.maxReplayBytes) this.chunks.push(chunk);
      else {
        this.overflow = true;
        this.chunks = [];
        this.wake();
      }
    }
    if (this.sink) {
      if (!this.sink.write(chunk)) this.req.pause();
    } else if (this.overflow) this.req.pause();
  };

  private readonly onDrain = (): void => {
    this.req.resume();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.sink?.end();
    this.wake();
  };

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}
