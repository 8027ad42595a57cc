import type { Handshake, Rejection } from '../handshake/handshake.js';
import type { AttemptRecord } from '../upstream/node-trial.js';

export interface Answer {
  /** What the client gets, in its protocol; undefined: a bare close (the protocol has no word for it). */
  readonly bytes: Buffer | undefined;
  /** Whose refusal it is; undefined for the router's own. */
  readonly from: string | undefined;
  /**
   * Some node answered, and every node that answered refused alike (the same words, or the same
   * reset or close), as passives do: the refusals cannot tell an active from a passive. False when
   * no node answered (a dead cluster) or when one refused differently.
   */
  readonly unanimous: boolean;
}

/**
 * Picks the refusal a client gets when no node took it, so that a client with a wrong password
 * gets the active's "Error validating the login", not a passive's "not active":
 * 1. the refusal of the node believed active when the trial began;
 * 2. else the one refusal unlike all the others, when at least two others agree (passives
 *    answer alike; the odd one out is the node that judged the client itself);
 * 3. else the last refusal.
 * A refusal the client cannot read as it stands (a SASL frame for a NOSASL client) is replaced by
 * the router's own answer in the client's protocol, carrying the node's words.
 */
export function pickAnswer(
  records: readonly AttemptRecord[],
  believedActive: string | undefined,
  handshake: Pick<Handshake, 'deliverable' | 'ownAnswer'>,
  summary: string,
): Answer {
  const spoken = records.filter((r): r is AttemptRecord & { rejection: Rejection } => r.rejection !== undefined);
  const unanimous = refusedAlike(records);
  const chosen = spoken.find((r) => r.node === believedActive) ?? oddOneOut(spoken) ?? spoken.at(-1);
  if (!chosen) return { bytes: handshake.ownAnswer(summary), from: undefined, unanimous };
  const bytes = handshake.deliverable(chosen.rejection)
    ? chosen.rejection.bytes
    : handshake.ownAnswer(`node ${chosen.node} answered: ${chosen.rejection.message}`);
  return { bytes, from: chosen.node, unanimous };
}

/** Outcomes where the node's service never answered at all: they say nothing against unanimity (a hung node is silent). */
const NOT_REACHED: ReadonlySet<AttemptRecord['outcome']> = new Set(['connect-refused', 'connect-timeout', 'local-error', 'no-answer']);

/** Some node answered, and every node that answered refused alike (see Answer.unanimous). */
export function refusedAlike(records: readonly AttemptRecord[]): boolean {
  const reached = records.filter((r) => !NOT_REACHED.has(r.outcome));
  return reached.length > 0 && reached.every((r) => sameRefusal(r, reached[0]!));
}

function sameRefusal(a: AttemptRecord, b: AttemptRecord): boolean {
  if (a.rejection && b.rejection) return a.rejection.bytes.equals(b.rejection.bytes);
  return !a.rejection && !b.rejection && a.outcome === b.outcome;
}

function oddOneOut<T extends { rejection: Rejection }>(spoken: readonly T[]): T | undefined {
  if (spoken.length < 3) return undefined;
  const alike = (a: T, b: T) => a.rejection.bytes.equals(b.rejection.bytes);
  const unique = spoken.filter((r) => spoken.filter((o) => alike(o, r)).length === 1);
  if (unique.length !== 1) return undefined;
  const others = spoken.filter((r) => r !== unique[0]);
  return others.every((o) => alike(o, others[0]!)) ? unique[0] : undefined;
}
