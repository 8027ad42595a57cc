import { RouterError } from './errors.js';

/**
 * Runs changes (a reload, a new node list) one after another, never at once, and none after
 * close(): a change that restarted the checks or the registration after the stop had closed
 * them would leave timers and sockets running.
 */
export class Serial {
  private tail: Promise<void> = Promise.resolve();
  private closed: string | undefined;

  run(change: () => Promise<void>): Promise<void> {
    const run = this.tail.then(async () => {
      if (this.closed !== undefined) throw new RouterError('STOPPING', this.closed);
      await change();
    });
    this.tail = run.catch(() => {});
    return run;
  }

  /** Refuses later changes with `reason`; resolves once the queued ones have ended. */
  close(reason: string): Promise<void> {
    this.closed ??= reason;
    return this.tail;
  }
}
