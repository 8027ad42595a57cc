import type { Logger } from '../log.js';
import type { LimitKind } from '../observe.js';
import type { LimitRefusal } from './admission.js';

/** At most one line per kind of limit in this interval: a client storm must not flood the journal. */
export const LIMIT_LOG_INTERVAL_MS = 10_000;

interface Tally {
  refused: number;
  /** Refused clients given a moment to show their protocol and be answered in it (the gate had room). */
  waited: number;
  sources: Set<string>;
  lastLog: number;
  message: string;
  /** Logs what the interval held back, at its end, so a burst's count is never lost. */
  flush: NodeJS.Timeout | undefined;
}

/**
 * The log lines of clients refused by a connection limit, one per kind and interval, with counts:
 * the first refusal at once, the rest of the interval in one line at its end. The per-source and
 * per-listener limits are the operator's choice (warn); running out of the descriptor budget
 * means LimitNOFILE is too low for the load (error).
 */
export class LimitLog {
  private readonly tallies = new Map<LimitKind, Tally>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = LIMIT_LOG_INTERVAL_MS,
  ) {}

  refused(refusal: LimitRefusal, source: string, answering: boolean, now = Date.now()): void {
    let t = this.tallies.get(refusal.kind);
    if (!t) this.tallies.set(refusal.kind, (t = { refused: 0, waited: 0, sources: new Set(), lastLog: 0, message: '', flush: undefined }));
    t.refused++;
    if (answering) t.waited++;
    if (t.sources.size < 10) t.sources.add(source);
    t.message = refusal.message;
    if (now - t.lastLog >= this.intervalMs) this.write(refusal.kind, t, now);
    else t.flush ??= setTimeout(() => this.write(refusal.kind, t, Date.now()), t.lastLog + this.intervalMs - now);
  }

  /** Logs what is held back and cancels the timers (the router stops). */
  stop(): void {
    for (const [kind, t] of this.tallies) if (t.refused > 0) this.write(kind, t, Date.now());
  }

  private write(kind: LimitKind, t: Tally, now: number): void {
    clearTimeout(t.flush);
    t.flush = undefined;
    const sources = [...t.sources];
    const keys = { limit: kind, refused: t.refused, waitedForFirstBytes: t.waited, sources };
    if (kind === 'descriptors') this.log.error(keys, `refused ${t.refused} client(s): ${t.message}`);
    else this.log.warn(keys, `refused ${t.refused} client(s): ${t.message}`);
    Object.assign(t, { refused: 0, waited: 0, sources: new Set(), lastLog: now });
  }
}
