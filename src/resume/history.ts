// A session's history of session-state statements (USE, SET, RESET, temporary views and functions,
// ADD JAR/FILE), replayed on a reattached session, which starts with a fresh SparkSession.
// Pruned as MaxScale prunes its session-command history: a statement that a later one makes moot
// is dropped, but only when nothing that may depend on it (a view, a function) came after it.
// Capped: a session whose history outgrows the cap is no longer resumable. Memory only, never logged.
import { stateKey } from './statement-kind.js';

export interface HistoryLimits {
  maxStatements: number;
  maxBytes: number;
}

interface Entry {
  key: string;
  text: string;
}

const DEPENDS = /^(view|function):/;

export class History {
  private entries: Entry[] = [];
  private bytes = 0;
  /** Set once the cap was passed: the session cannot be resumed from here on. */
  overflowed = false;

  constructor(private readonly limits: HistoryLimits) {}

  get statements(): readonly string[] {
    return this.entries.map((e) => e.text);
  }

  get size(): number {
    return this.entries.length;
  }

  /** A session-state statement that succeeded. */
  add(text: string): void {
    if (this.overflowed) return;
    const { key, removes, keep } = stateKey(text);
    if (removes) this.drop((e) => removes.test(e.key) && this.prunable(e));
    if (!keep) return;
    this.drop((e) => e.key === key && this.prunable(e));
    this.entries.push({ key, text });
    this.bytes += Buffer.byteLength(text);
    if (this.entries.length > this.limits.maxStatements || this.bytes > this.limits.maxBytes) {
      this.overflowed = true;
      this.entries = [];
      this.bytes = 0;
    }
  }

  /** Nothing after `entry` can depend on it (no view or function was created since). */
  private prunable(entry: Entry): boolean {
    const after = this.entries.slice(this.entries.indexOf(entry) + 1);
    return DEPENDS.test(entry.key) || !after.some((e) => DEPENDS.test(e.key));
  }

  private drop(match: (e: Entry) => boolean): void {
    const kept = this.entries.filter((e) => !match(e));
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.bytes = kept.reduce((n, e) => n + Buffer.byteLength(e.text), 0);
  }
}
