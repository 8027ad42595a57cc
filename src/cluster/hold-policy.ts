import type { AttemptRecord } from '../upstream/node-trial.js';
import { oddOneOut, refusedAlike } from './rejection-ledger.js';

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
  /** When a node was last active (now while one is); undefined if none ever was. */
  readonly lastActiveAt: number | undefined;
  readonly checksConfirmActive: (node: string) => boolean;
  /** The hold queue would take the client (holdMs > 0, and not every node down for longer than holdMs). */
  readonly canHold: boolean;
  readonly holdMs: number;
}

/** How a node can fail to answer for itself: it never got to judge the client. */
const SILENT: ReadonlySet<AttemptRecord['outcome']> = new Set(['connect-refused', 'connect-timeout', 'reset', 'closed', 'no-answer']);

/**
 * Every node refused a client: wait for an active node, or answer now? (docs/cluster-model.md)
 *
 * A failover is under way, so wait whatever the other nodes answered, when
 * (a) the node the model held active when the trial began did not answer for itself (refused,
 *     reset, closed without a word, timed out): a dying active; or
 * (b) no node is active and one was, less than holdMs ago: the new one is not known yet;
 * unless exactly one node answered differently from all the others by class: that node judged
 * the client (the new active refusing a wrong password), and the client gets its answer.
 *
 * Otherwise wait only when the nodes that took the connection refused it alike (as passives do)
 * and the active did not answer for itself: its refusal differs from the others' (a login failure
 * among "not active" answers), or the role-aware checks still call it active after one wait for
 * the check its refusal asked for (a demotion the checks had not seen yet, or HiveServer2-style
 * passives that refuse a wrong password alike).
 *
 * Never past the client's holdMs, and never when every node has been down for longer than holdMs
 * (canHold) or no node was ever active and every node refused TCP (nothing answered alike).
 */
export function shouldWait(
  refused: { records: readonly AttemptRecord[]; believedActive: string | undefined },
  so: WaitSoFar,
  view: ClusterView,
  now = Date.now(),
): { wait: boolean; waitedForCheck: boolean } {
  const { records } = refused;
  const timeLeft = so.startedAt === undefined || now < so.startedAt + view.holdMs;
  const believed = records.find((r) => r.node === refused.believedActive);
  const activeSilent = believed !== undefined && SILENT.has(believed.outcome) && !believed.rejection;
  const activeRecently = view.active === undefined && view.lastActiveAt !== undefined && now - view.lastActiveAt < view.holdMs;
  // The active's own record is judged apart: a dying active resets or refuses, unlike its passives.
  const own = records.find((r) => r.node === view.active);
  const others = records.filter((r) => r !== own);
  const activeSpoke = own?.rejection !== undefined;
  const confirmed = activeSpoke && view.checksConfirmActive(view.active!);
  const likeOthers = activeSpoke && refusedAlike([own!, ...others]);
  const ownAnswer = activeSpoke && (!likeOthers || (confirmed && so.waitedForCheck));
  // The silent active's record is no answer: the judge, if any, is among the others.
  const judge = activeSilent ? oddOneOut(records.filter((r) => r !== believed)) : oddOneOut(records);
  const failover = activeSilent || activeRecently ? judge === undefined : refusedAlike(others) && !ownAnswer;
  const wait = !so.over && timeLeft && failover && view.canHold;
  return { wait, waitedForCheck: so.waitedForCheck || (wait && confirmed) };
}
