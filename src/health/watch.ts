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
}
