import type { AttemptRecord } from '../upstream/node-trial.js';
import { refusedAlike } from './rejection-ledger.js';

/** What one client has waited so far. */
export interface WaitSoFar {
  /** When it first waited for an active node; undefined if it never did. */
  readonly startedAt: number | undefined;
  /** The hold ran out, or the queue was full: the next answer is final. */
  readonly over: boolean;
  /** It waited once already because the checks called the active active after it answered like a passive. */
  readonly waitedForCheck: boolean;
}

export interface ClusterView {
  /** The model's active node now. */
  readonly active: string | undefined;
  readonly checksConfirmActive: (node: string) => boolean;
  /** The hold queue would take the client (holdMs > 0 and some node not down). */
  readonly canHold: boolean;
  readonly holdMs: number;
}

/**
 * Every node refused a client: wait for an active node, or answer now? Wait when a failover may
 * be under way: the nodes that took the connection refused it alike (as passives do) and the
 * active did not answer for itself. It answered for itself when its refusal differs from the
 * others' (a login failure among "not active" answers), or when the role-aware checks still call
 * it active after one wait for the check its refusal asked for (a demotion the checks had not
 * seen yet, or HiveServer2-style passives that refuse a wrong password alike). docs/cluster-model.md.
 */
export function shouldWait(
  refused: { records: readonly AttemptRecord[] },
  so: WaitSoFar,
  view: ClusterView,
  now = Date.now(),
): { wait: boolean; waitedForCheck: boolean } {
  const timeLeft = so.startedAt === undefined || now < so.startedAt + view.holdMs;
  // The active's own record is judged apart: a dying active resets or refuses, unlike its passives.
  const own = refused.records.find((r) => r.node === view.active);
  const others = refused.records.filter((r) => r !== own);
  const activeSpoke = own?.rejection !== undefined;
  const confirmed = activeSpoke && view.checksConfirmActive(view.active!);
  const likeOthers = activeSpoke && refusedAlike([own!, ...others]);
  const ownAnswer = activeSpoke && (!likeOthers || (confirmed && so.waitedForCheck));
  const wait = !so.over && timeLeft && refusedAlike(others) && !ownAnswer && view.canHold;
  return { wait, waitedForCheck: so.waitedForCheck || (wait && confirmed) };
}
