import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { RouterObserver } from '../observe.js';
import { effectiveCheck } from '../health/checker.js';
import { ROLE_AWARE_KINDS } from '../health/create-checker.js';
import type { ClusterState } from './cluster-state.js';

export type ReleaseReason = 'active' | 'expired' | 'full' | 'shutdown';

export interface Held {
  /** The client left or was refused: stop waiting (idempotent). */
  cancel(): void;
}

interface Entry {
  readonly release: (why: ReleaseReason) => void;
  readonly timer: NodeJS.Timeout;
  done: boolean;
}

/**
 * Clients that arrive while no node is active (the middle of a failover) wait here, bounded in
 * count and time, instead of being refused; they are released in arrival order as soon as the
 * cluster model has an active node. Only when the health checks can tell roles: without them
 * nothing would ever announce the new active, and holding would only delay the answer.
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
   * Whether a new client should wait rather than dial: a failover looks under way (checks can see
   * roles, no node is active, and no node is of unknown role, which might accept: try it).
   */
  shouldHold(config: RouterConfig): boolean {
    return this.canHold(config) && !this.cluster.all().some((s) => s.state === 'unknown');
  }

  /**
   * After every node refused a client: wait for an active if the checks can announce one. Only
   * while some node is up and passive: with every node down (a dead cluster, or checks pointed
   * at the wrong REST port) waiting would only delay the answer.
   */
  canHold(config: RouterConfig): boolean {
    return (
      config.holdMs > 0 &&
      !this.cluster.active() &&
      this.cluster.all().some((s) => s.state === 'passive') &&
      config.nodes.every((n) => ROLE_AWARE_KINDS.has(effectiveCheck(config.health, n).kind))
    );
  }

  /**
   * Waits up to `holdMs` for an active node; `release` is called once, with why. A full queue
   * releases at once with 'full' (the client gets the normal trial).
   */
  hold(holdMs: number, max: number, release: (why: ReleaseReason) => void, observer: RouterObserver, log: Logger): Held {
    if (this.entries.length >= max) {
      log.warn({ held: this.entries.length, max }, 'hold queue full: not waiting for an active node');
      queueMicrotask(() => release('full'));
      return { cancel: () => {} };
    }
    observer.held(1);
    const entry: Entry = {
      release: (why) => {
        if (this.remove(entry, observer)) release(why);
      },
      timer: setTimeout(() => entry.release('expired'), holdMs),
      done: false,
    };
    this.entries.push(entry);
    log.debug({ holdMs, held: this.entries.length }, 'no active node: holding the client');
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
