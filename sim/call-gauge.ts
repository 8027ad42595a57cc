// How many calls of each TCLIService method a node is answering at once (from the call's arrival
// to its reply, reply delays included), and the most at any moment: a test reads the peak of
// OpenSession to prove that a router re-opens sessions with bounded concurrency.
import type { TCLIHandler, TResponse } from './tcli.js';

export class CallGauge {
  private readonly now = new Map<string, number>();
  private readonly peak = new Map<string, number>();

  /** The same handler, each call counted while it is being answered. */
  wrap(handler: TCLIHandler): TCLIHandler {
    const wrapped: TCLIHandler = {};
    for (const [method, fn] of Object.entries(handler)) {
      wrapped[method] = async (req: unknown): Promise<TResponse> => {
        const n = (this.now.get(method) ?? 0) + 1;
        this.now.set(method, n);
        if (n > (this.peak.get(method) ?? 0)) this.peak.set(method, n);
        try {
          return await fn(req);
        } finally {
          this.now.set(method, (this.now.get(method) ?? 1) - 1);
        }
      };
    }
    return wrapped;
  }

  /** Method -> the most calls answered at once since start (or reset). */
  peaks(): Record<string, number> {
    return Object.fromEntries(this.peak);
  }

  reset(): void {
    this.peak.clear();
  }

  /** The node was killed or demoted: its delayed replies are dropped and never finish. */
  dropInFlight(): void {
    this.now.clear();
  }
}
