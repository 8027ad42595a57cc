import type { Logger } from '../log.js';
import type { RouterObserver } from '../observe.js';
import type { ClusterState } from './cluster-state.js';

/** `retry`: try the nodes again now (nothing can announce an active without role-aware checks). */
export type ReleaseReason = 'active' | 'retry' | 'expired' | 'full' | 'shutdown';

export interface Held {
  /** The client left or was refused: stop waiting (idempotent). */
  cancel(): void;
}

export interface HoldRequest {
  /** How much longer this client may wait in all. */
  readonly waitMs: number;
  readonly max: number;
  /** Held clients try the nodes again every HOLD_RETRY_MS without role-aware checks, HOLD_RETRY_WITH_CHECKS_MS with them. */
  readonly roleAwareChecks: boolean;
  readonly observer: RouterObserver;
  readonly log: Logger;
  /** Called once, with why. */
  readonly release: (why: ReleaseReason) => void;
}

interface Entry {
  readonly release: (why: ReleaseReason) => void;
  readonly timer: NodeJS.Timeout;
  done: boolean;
}

/** How often held clients try the nodes again when no check can announce an active node. */
export const HOLD_RETRY_MS = 250;
/**
 * With role-aware checks a new active is announced (and releases everyone at once); a held client
 * still tries again now and then, in case what held it was a blip of a node the model holds active.
 */
export const HOLD_RETRY_WITH_CHECKS_MS = 1000;

/**
 * Clients that arrive while no node is active (the middle of a failover) wait here, bounded in
 * count and time, instead of being refused. They are released in arrival order as soon as the
 * cluster model has a new active node; without role-aware checks nothing would announce one, so
 * they also try the nodes again every HOLD_RETRY_MS.
 *
 * The router owns one queue per cluster model; it is released when that model gains an active.
 */
export class HoldQueue {
  private readonly entries: Entry[] = [];
  private readonly unsubscribe: () => void;

  constructor(private readonly cluster: ClusterState) {
    this.unsubscribe = cluster.onChange((change) => {
      if (change.to === 'active') this.releaseAll('active');
    });
  }

  /** Releases every waiting client (they get the normal trial) and stops listening to the cluster. */
  close(): void {
    this.releaseAll('shutdown');
    this.unsubscribe();
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Whether a new client should wait before dialling at all: the role-aware checks see a failover
   * under way (no node active, none of unknown role that might accept, some node passive).
   */
  shouldHoldFirst(holdMs: number, roleAwareChecks: boolean): boolean {
    const all = this.cluster.all();
    return holdMs > 0 && roleAwareChecks && !this.cluster.active() && !all.some((s) => s.state === 'unknown') && all.some((s) => s.state === 'passive');
  }

  /**
   * After every node refused a client: it may wait, unless every node has been down for longer
   * than holdMs (a dead cluster: waiting would only delay the answer). Nodes down for less may be
   * mid-failover: a killed active and passives that refuse TCP all look down for a moment.
   */
  canHold(holdMs: number, now = Date.now()): boolean {
    return holdMs > 0 && this.cluster.all().some((s) => s.state !== 'down' || now - s.since < holdMs);
  }

  /** Waits for an active node; a full queue releases at once with 'full' (the client gets its answer). */
  hold(req: HoldRequest): Held {
    const { observer, log } = req;
    if (this.entries.length >= req.max) {
      log.warn({ held: this.entries.length, max: req.max }, 'hold queue full: not waiting for an active node');
      queueMicrotask(() => req.release('full'));
      return { cancel: () => {} };
    }
    observer.held(1);
    const retryMs = req.roleAwareChecks ? HOLD_RETRY_WITH_CHECKS_MS : HOLD_RETRY_MS;
    const retry = retryMs < req.waitMs;
    const entry: Entry = {
      release: (why) => {
        if (this.remove(entry, observer)) req.release(why);
      },
      timer: setTimeout(() => entry.release(retry ? 'retry' : 'expired'), retry ? retryMs : req.waitMs),
      done: false,
    };
    this.entries.push(entry);
    log.debug({ waitMs: req.waitMs, held: this.entries.length }, 'no active node: holding the client');
    return { cancel: () => void this.remove(entry, observer) };
  }

  /** False when the entry was already gone. */
  private remove(entry: Entry, observer: RouterObserver): boolean {
    if (entry.done) return false;
    entry.done = true;
    clearTimeout(entry.timer);
    const i = this.entries.indexOf(entry);
    if (i >= 0) this.entries.splice(i, 1);
    observer.held(-1);
    return true;
  }

  /** Releases every waiting client, oldest first. */
  releaseAll(why: ReleaseReason): void {
    for (const e of [...this.entries]) e.release(why);
  }
}
