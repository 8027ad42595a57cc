import type { CheckConfig } from '../config/health-schema.js';
import type { NodeConfig } from '../config/schema.js';
import type { Checker, CheckerContext, CheckState } from './checker.js';
import type { VerdictState } from './rise-fall.js';

/** One finished check, for metrics and /status. */
export interface CheckDone {
  readonly node: string;
  /** Epoch ms when the check finished. */
  readonly at: number;
  readonly latencyMs: number;
  /** The check's own answer (before rise/fall): active, passive, down or alive. */
  readonly result: CheckState;
  /** What the check saw (also when it could not tell the node's role). */
  readonly reason: string;
}

export interface MonitorOptions {
  onCheckDone?: (done: CheckDone) => void;
  /** Tests replace the checkers. */
  createChecker?: (ctx: CheckerContext) => Checker | undefined;
}

/** One node's checks; its verdict and streak follow rise/fall (rise-fall.ts). */
export interface Watch extends VerdictState {
  readonly node: NodeConfig;
  readonly check: CheckConfig;
  readonly checker: Checker;
  timer: NodeJS.Timeout | undefined;
  dueAt: number;
  running: boolean;
  /** Asked to check again while a check was running. */
  again: boolean;
  lastStartAt: number;
  lastWarning: string | undefined;
  checked: boolean;
  /** The last finished check, for /status. */
  lastDone: CheckDone | undefined;
  /** Its node left the list: a check still running is dropped when it ends. */
  removed: boolean;
  /** Who waits for a check that starts after they asked (HealthMonitor.freshCheck). */
  readonly waiters: FreshCheckWaiters;
}

/** No more checks of `w` (the router stops, or its node left the list): its timer cleared, its waiters answered undefined. */
export function quiet(w: Watch): void {
  clearTimeout(w.timer);
  w.waiters.clear();
}

/** Callers of HealthMonitor.freshCheck on one node, each answered by the first check that starts after its call. */
export class FreshCheckWaiters {
  private waiting: Array<{ since: number; answer: (state: CheckState | undefined) => void }> = [];
  /** Checks started so far (a counter, not a clock: two can start in one millisecond). */
  private started = 0;

  /** A check starts: its number, for answer(). */
  begin(): number {
    return ++this.started;
  }

  add(timeoutMs: number): Promise<CheckState | undefined> {
    return new Promise((resolve) => {
      const entry = {
        since: this.started,
        answer: (state: CheckState | undefined) => {
          clearTimeout(timer);
          resolve(state);
        },
      };
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((x) => x !== entry);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.push(entry);
    });
  }

  /** Check number `run` (from begin()) ended with `state`: it answers who asked before it started. */
  answer(run: number, state: CheckState): void {
    const due = this.waiting.filter((x) => x.since < run);
    this.waiting = this.waiting.filter((x) => x.since >= run);
    for (const x of due) x.answer(state);
  }

  /** The router stops, or the node left the list. */
  clear(): void {
    for (const x of this.waiting.splice(0)) x.answer(undefined);
  }
}
