import type { Logger } from '../log.js';
import type { LimitKind } from '../observe.js';
import type { LimitRefusal } from './admission.js';

/** At most one line per kind of limit in this interval: a client storm must not flood the journal. */
const LOG_INTERVAL_MS = 10_000;

interface Tally {
  refused: number;
  /** Refused clients given a moment to show their protocol and be answered in it (the gate had room). */
  waited: number;
  sources: Set<string>;
  lastLog: number;
  message: string;
}

/**
 * The log lines of clients refused by a connection limit, one per kind and interval, with counts.
 * The per-source and per-listener limits are the operator's choice (warn); running out of the
 * descriptor budget means LimitNOFILE is too low for the load (error).
 */
export class LimitLog {
  private readonly tallies = new Map<LimitKind, Tally>();

  constructor(private readonly log: Logger) {}

  refused(refusal: LimitRefusal, source: string, answering: boolean, now = Date.now()): void {
    let t = this.tallies.get(refusal.kind);
    if (!t) this.tallies.set(refusal.kind, (t = { refused: 0, waited: 0, sources: new Set(), lastLog: 0, message: '' }));
    t.refused++;
    if (answering) t.waited++;
    if (t.sources.size < 10) t.sources.add(source);
    t.message = refusal.message;
    if (now - t.lastLog < LOG_INTERVAL_MS) return;
    const sources = [...t.sources];
    const keys = { limit: refusal.kind, refused: t.refused, waitedForFirstBytes: t.waited, sources };
    if (refusal.kind === 'descriptors') this.log.error(keys, `refused ${t.refused} client(s): ${t.message}`);
    else this.log.warn(keys, `refused ${t.refused} client(s): ${t.message}`);
    this.tallies.set(refusal.kind, { refused: 0, waited: 0, sources: new Set(), lastLog: now, message: '' });
  }
}
