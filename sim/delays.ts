// The switch that delays the replies of one TCLIService method by N ms, so a test can put a call
// in flight at the moment of a fault (kill -9, SIGSTOP, demotion), or show a slow call. The call
// runs at once; only its reply waits, as a busy Spark driver's would.
import type { TCLIHandler, TResponse } from './tcli.js';

export class ReplyDelays {
  private readonly delays = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(initial: Readonly<Record<string, number>> = {}) {
    for (const [method, ms] of Object.entries(initial)) this.set(method, ms);
  }

  /** ms 0 removes the delay. */
  set(method: string, ms: number): void {
    if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`reply delay for ${method} must be a whole number of ms, got ${ms}`);
    if (ms === 0) this.delays.delete(method);
    else this.delays.set(method, ms);
  }

  get(method: string): number {
    return this.delays.get(method) ?? 0;
  }

  /** The same handler, each method's reply held back by its delay. */
  wrap(handler: TCLIHandler): TCLIHandler {
    const wrapped: TCLIHandler = {};
    for (const [method, fn] of Object.entries(handler)) {
      wrapped[method] = async (req: unknown): Promise<TResponse> => {
        const reply = await fn(req);
        const ms = this.get(method);
        if (ms > 0) await this.sleep(ms);
        return reply;
      };
    }
    return wrapped;
  }

  /** A killed node answers nothing: its pending delayed replies are dropped with their timers. */
  clearPending(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

/** `METHOD:MS` (the node process's --delay-reply flag). */
export function parseDelay(spec: string): [string, number] {
  const colon = spec.indexOf(':');
  const ms = Number(spec.slice(colon + 1));
  if (colon <= 0 || !/^\d+$/.test(spec.slice(colon + 1))) throw new TypeError(`--delay-reply must be METHOD:MS, got ${spec}`);
  return [spec.slice(0, colon), ms];
}
