/**
 * Client connections open per source address, across every listener, so that one address holding
 * sockets open cannot take the whole `maxClientConnections` budget from everyone else. The limit is
 * read on every admit, so a reload applies to the next connection.
 */
export class SourceLimit {
  private readonly open = new Map<string, number>();

  /** `limit()`: connections one address may hold; 0 turns the limit off. */
  constructor(private readonly limit: () => number) {}

  /** True when `source` may open one more connection (then release it on close); false to refuse. */
  admit(source: string): boolean {
    const limit = this.limit();
    const n = this.open.get(source) ?? 0;
    if (limit > 0 && n >= limit) return false;
    this.open.set(source, n + 1);
    return true;
  }

  release(source: string): void {
    const n = this.open.get(source) ?? 0;
    if (n <= 1) this.open.delete(source);
    else this.open.set(source, n - 1);
  }
}

/** An IPv4 client of a dual-stack listener shows as ::ffff:a.b.c.d: count it as a.b.c.d. */
export function sourceOf(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  return remoteAddress.startsWith('::ffff:') && remoteAddress.includes('.') ? remoteAddress.slice(7) : remoteAddress;
}
