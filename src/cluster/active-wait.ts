import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { RouterObserver } from '../observe.js';
import type { Handshake } from '../handshake/handshake.js';
import type { TrialResult } from '../upstream/node-trial.js';
import type { ClusterState } from './cluster-state.js';
import type { Evidence } from './evidence.js';
import type { Held, HoldQueue, ReleaseReason } from './hold-queue.js';
import { shouldWait } from './hold-policy.js';
import { pickAnswer } from './rejection-ledger.js';

/** The router's parts a wait reads (the listener's ConnectionContext fits). */
export interface WaitParts {
  readonly hold: HoldQueue;
  readonly cluster: ClusterState;
  readonly evidence: Evidence;
  readonly config: () => RouterConfig;
  readonly observer: RouterObserver;
}

/** After every node refused a client: wait (the caller holds it again), or the client's answer. */
export type Judgement = { kind: 'wait' } | { kind: 'answer'; reason: string; bytes: Buffer | undefined };

/**
 * One client's wait for an active node, from its first hold to its commit or refusal: how long it
 * has waited (holdMs in all, at most), whether the hold is over, whether it already waited once
 * for a check, and the hold queue entry it is in. The rules are hold-policy.ts's; the answer a
 * refused client gets is rejection-ledger.ts's.
 */
export class ActiveWait {
  private held: Held | undefined;
  /** When the client first waited; undefined while it never did. */
  private startedAt: number | undefined;
  /** The hold ran out or the queue was full: the next answer is final. */
  private over = false;
  private waitedForCheck = false;
  private totalHeldMs = 0;

  constructor(
    private readonly parts: WaitParts,
    private readonly log: Logger,
  ) {}

  /** Time held in all, for the closing log line. */
  get heldMs(): number {
    return this.totalHeldMs;
  }

  /** A complete first message: wait before dialling at all (the checks see a failover under way)? No wait is made for it. */
  static holdFirst(parts: WaitParts): boolean {
    return parts.hold.shouldHoldFirst(parts.config().holdMs, parts.evidence.roleAwareChecks());
  }

  /** Waits for an active node; `released` is called once with why, unless cancel() comes first. */
  hold(released: (why: ReleaseReason) => void): void {
    const { hold, evidence, observer, config } = this.parts;
    const since = Date.now();
    const startedAt = (this.startedAt ??= since);
    const c = config();
    this.held = hold.hold({
      waitMs: Math.max(0, startedAt + c.holdMs - since),
      max: c.maxHeldConnections,
      roleAwareChecks: evidence.roleAwareChecks(),
      observer,
      log: this.log,
      release: (why) => {
        this.held = undefined;
        this.totalHeldMs += Date.now() - since;
        if (why === 'expired' || why === 'full') this.over = true;
        released(why);
      },
    });
  }

  /** Every node refused: wait for an active node again, or the answer the client gets. */
  judge(result: Extract<TrialResult, { kind: 'failed' }>, handshake: Handshake): Judgement {
    const { cluster, evidence, hold, config } = this.parts;
    const c = config();
    const so = { startedAt: this.startedAt, over: this.over, waitedForCheck: this.waitedForCheck };
    const view = {
      active: cluster.active()?.config.name,
      lastActiveAt: cluster.lastActiveAt(),
      checksConfirmActive: (n: string) => evidence.checksConfirmActive(n),
      canHold: hold.canHold(c.holdMs),
      holdMs: c.holdMs,
    };
    const decision = shouldWait(result, so, view);
    this.waitedForCheck = decision.waitedForCheck;
    if (decision.wait) {
      this.log.debug({ attempts: result.records.length }, 'every node refused alike and the active did not answer for itself: waiting for one');
      return { kind: 'wait' };
    }
    const answer = pickAnswer(result.records, result.believedActive, handshake, result.summary);
    if (this.startedAt !== undefined && !cluster.active()) {
      const last = answer.from ? `; last answer from ${answer.from}` : '';
      const reason = `no active Livy node for ${c.holdMs} ms${last}: ${result.summary}`;
      return { kind: 'answer', reason, bytes: handshake.ownAnswer(reason) ?? answer.bytes };
    }
    return { kind: 'answer', reason: result.summary, bytes: answer.bytes };
  }

  /** The client left, committed or was refused: leave the queue (idempotent). */
  cancel(): void {
    this.held?.cancel();
    this.held = undefined;
  }
}
