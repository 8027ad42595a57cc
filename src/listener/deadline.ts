/**
 * A budget of time with its own canceller that can stand still: a client's handshake deadline
 * counts while it sends its first message and while nodes are tried, not while the router holds
 * it waiting for an active node (that wait has its own bound, holdMs).
 */
export class Deadline {
  private timer: NodeJS.Timeout | undefined;
  private leftMs: number;
  private since = 0;

  constructor(
    totalMs: number,
    private readonly onExpire: () => void,
  ) {
    this.leftMs = totalMs;
    this.run();
  }

  /** Starts counting again (idempotent). */
  run(): void {
    if (this.timer || this.leftMs <= 0) return;
    this.since = Date.now();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.leftMs = 0;
      this.onExpire();
    }, this.leftMs);
  }

  /** Stops counting, keeping what is left (idempotent). */
  pause(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.leftMs = Math.max(0, this.leftMs - (Date.now() - this.since));
  }

  /** Stops for good. */
  clear(): void {
    this.pause();
    this.leftMs = 0;
  }
}
