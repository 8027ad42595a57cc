/** Clients refused over a limit that may wait for their first bytes at once, from one source address. */
export const REFUSALS_WAITING_PER_SOURCE = 2;
/** ... and in all. These sockets are counted in the descriptor budget's consumers. */
export const REFUSALS_WAITING_IN_ALL = 16;

/**
 * Bounds what answering refusals costs: a client refused by a connection limit may wait a moment
 * for its first bytes (to get its answer in its protocol) only while a slot is free, per source
 * and in all. Past that the refusal is a close, so a source at its limit holds at most
 * REFUSALS_WAITING_PER_SOURCE sockets more than the limit, however fast it reconnects.
 */
export class RefusalGate {
  private readonly bySource = new Map<string, number>();
  private total = 0;

  /** True when `source` may wait (then call leave() once its socket is closed). */
  enter(source: string): boolean {
    const n = this.bySource.get(source) ?? 0;
    if (n >= REFUSALS_WAITING_PER_SOURCE || this.total >= REFUSALS_WAITING_IN_ALL) return false;
    this.bySource.set(source, n + 1);
    this.total++;
    return true;
  }

  leave(source: string): void {
    const n = this.bySource.get(source) ?? 0;
    if (n <= 1) this.bySource.delete(source);
    else this.bySource.set(source, n - 1);
    this.total--;
  }

  get waiting(): number {
    return this.total;
  }
}
