import type { Logger } from '../log.js';
import type { ClusterState } from '../cluster/cluster-state.js';

/**
 * How long every node must be known not to be active before "no active Livy node" is logged at
 * error. A failover seen by the checks takes well under a second (README, "Failover, measured"):
 * an error per routine failover would train on-call to ignore the line.
 */
export const NO_ACTIVE_ERROR_AFTER_MS = 2000;

/**
 * How long nobody must have waited for an active node before a hold episode is over: longer than
 * the hold queue's retry interval (1 s at most) plus a quick trial of the nodes.
 */
export const HOLD_EPISODE_END_MS = 2000;

/**
 * The log lines an on-call engineer alerts on, derived from the cluster model and the hold queue
 * without touching either: "no active Livy node" at error when no node is active and none might
 * be (every node passive or down) for `errorAfterMs`; one info line with the gap's duration when
 * a node is active again; clients waiting for an active node at warn once per episode, and at
 * info when the episode is really over, with how many waited at once and for how long.
 */
export class Availability {
  /** Epoch ms since which no node has been active (from the start when none has been yet). */
  private noActiveSince: number | undefined;
  private everActive = false;
  private errorLogged = false;
  private errorTimer: NodeJS.Timeout | undefined;
  private heldNow = 0;
  /** From the first client held to the last one released; `mostWaiting`: the most held at once. */
  private heldEpisode: { startedAt: number; lastHeldAt: number; mostWaiting: number } | undefined;
  private episodeEnd: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly cluster: ClusterState,
    private readonly log: Logger,
    private readonly errorAfterMs = NO_ACTIVE_ERROR_AFTER_MS,
    private readonly episodeEndMs = HOLD_EPISODE_END_MS,
  ) {
    this.unsubscribe = cluster.onChange(() => this.update());
    this.update();
  }

  /** Milliseconds without an active node, or undefined while one is active. */
  noActiveForMs(now = Date.now()): number | undefined {
    return this.noActiveSince === undefined ? undefined : now - this.noActiveSince;
  }

  /**
   * The hold queue's size changed (through the router's observer). A held client is released now
   * and then to try the nodes (every 250 ms, or 1 s with role-aware checks) and held again when
   * they still refuse: the episode ends only once nobody has waited for HOLD_EPISODE_END_MS.
   */
  heldChanged(delta: 1 | -1): void {
    this.heldNow += delta;
    if (delta === 1) {
      clearTimeout(this.episodeEnd);
      this.episodeEnd = undefined;
      if (!this.heldEpisode) {
        this.heldEpisode = { startedAt: Date.now(), lastHeldAt: Date.now(), mostWaiting: 0 };
        this.log.warn({ waiting: this.heldNow }, 'clients are waiting for an active Livy node');
      }
      this.heldEpisode.mostWaiting = Math.max(this.heldEpisode.mostWaiting, this.heldNow);
    } else if (this.heldNow === 0 && this.heldEpisode) {
      this.heldEpisode.lastHeldAt = Date.now();
      this.episodeEnd ??= setTimeout(() => this.endEpisode(), this.episodeEndMs);
    }
  }

  private endEpisode(): void {
    this.episodeEnd = undefined;
    if (!this.heldEpisode || this.heldNow > 0) return;
    const { startedAt, lastHeldAt, mostWaiting } = this.heldEpisode;
    this.heldEpisode = undefined;
    const waitedMs = lastHeldAt - startedAt;
    this.log.info(
      { clientsHeld: mostWaiting, waitedMs },
      `no client waiting for an active Livy node any more: up to ${mostWaiting} waited at once, over ${waitedMs} ms`,
    );
  }

  stop(): void {
    this.unsubscribe();
    clearTimeout(this.errorTimer);
    this.errorTimer = undefined;
    clearTimeout(this.episodeEnd);
    this.episodeEnd = undefined;
  }

  private nothingToTry(): boolean {
    const all = this.cluster.all();
    return all.length > 0 && all.every((s) => s.state === 'passive' || s.state === 'down');
  }

  private update(): void {
    const active = this.cluster.active();
    const now = Date.now();
    if (active) {
      if (this.noActiveSince !== undefined && (this.everActive || this.errorLogged)) {
        const noActiveMs = now - this.noActiveSince;
        this.log.info(
          { node: active.config.name, noActiveMs },
          `node ${active.config.name} is active: JDBC clients are routed again after ${noActiveMs} ms without an active node`,
        );
      }
      this.everActive = true;
      this.noActiveSince = undefined;
      this.errorLogged = false;
      clearTimeout(this.errorTimer);
      this.errorTimer = undefined;
      return;
    }
    this.noActiveSince ??= now;
    if (this.errorLogged || this.errorTimer || !this.nothingToTry()) return;
    this.errorTimer = setTimeout(
      () => {
        this.errorTimer = undefined;
        if (this.cluster.active() || !this.nothingToTry()) return;
        this.errorLogged = true;
        const nodes = this.cluster.all().map((s) => ({ node: s.config.name, state: s.state, reason: s.reason }));
        this.log.error(
          // The timer measured errorAfterMs on the monotonic clock; Date.now() can read 1 ms less.
          { noActiveMs: Math.max(this.noActiveForMs() ?? 0, this.errorAfterMs), nodes },
          `no active Livy node: JDBC clients cannot be routed (${nodes.map((n) => `${n.node} ${n.state}: ${n.reason}`).join('; ')})`,
        );
      },
      Math.max(0, this.noActiveSince + this.errorAfterMs - now),
    );
  }
}
