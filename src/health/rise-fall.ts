import type { CheckState } from './checker.js';

/** A node's verdict after rise/fall, and the contrary results in a row that may change it. */
export interface VerdictState {
  verdict: CheckState | undefined;
  streak: { state: CheckState; count: number } | undefined;
}

/**
 * Applies one check result with HAProxy's rise/fall: `rise` results in a row make a node active,
 * `fall` in a row take the role away, any other change needs one. An `alive` result (a check that
 * cannot tell roles) never takes the role away. Returns true when the verdict changed.
 */
export function applyRiseFall(v: VerdictState, state: CheckState, check: { rise: number; fall: number }): boolean {
  if (v.verdict === undefined) {
    v.verdict = state;
    return true;
  }
  if (state === v.verdict || (state === 'alive' && v.verdict === 'active')) {
    v.streak = undefined;
    return false;
  }
  const needed = state === 'active' ? check.rise : v.verdict === 'active' ? check.fall : 1;
  v.streak = v.streak?.state === state ? { state, count: v.streak.count + 1 } : { state, count: 1 };
  if (v.streak.count < needed) return false;
  v.verdict = state;
  v.streak = undefined;
  return true;
}
