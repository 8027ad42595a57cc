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
 * 2. else the one refusal unlike all the others by class, when at least two others agree
 *    (passives answer alike; the odd one out is the node that judged the client itself);
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
  const chosen = spoken.find((r) => r.node === believedActive) ?? oddOneOut(records) ?? spoken.at(-1);
  if (!chosen) return { bytes: handshake.ownAnswer(summary), from: undefined, unanimous };
  const bytes = handshake.deliverable(chosen.rejection)
    ? chosen.rejection.bytes
    : handshake.ownAnswer(`node ${chosen.node} answered: ${chosen.rejection.message}`);
  return { bytes, from: chosen.node, unanimous };
}

/** Outcomes where the node's service never answered at all: they say nothing against unanimity (a hung node is silent). */
const NOT_REACHED: ReadonlySet<AttemptRecord['outcome']> = new Set(['connect-refused', 'connect-timeout', 'local-error', 'no-answer']);

/** Some node answered, and every node that answered refused alike, by class (see Answer.unanimous). */
export function refusedAlike(records: readonly AttemptRecord[]): boolean {
  const reached = records.filter((r) => !NOT_REACHED.has(r.outcome));
  const classes = new Set(reached.map(classOf(records)));
  return classes.size === 1;
}

/**
 * The one node that judged the client: among the nodes that answered (at least three), the only
 * one whose refusal differs by class from all the others', which all agree, and that said
 * something (a reset or a close judges nobody). Passives answer alike; the odd one out is the node
 * that looked at the client itself (the active refusing a wrong password).
 */
export function oddOneOut(records: readonly AttemptRecord[]): (AttemptRecord & { rejection: Rejection }) | undefined {
  const reached = records.filter((r) => !NOT_REACHED.has(r.outcome));
  if (reached.length < 3) return undefined;
  const cls = reached.map(classOf(records));
  const unique = reached.filter((_, i) => cls.indexOf(cls[i]!) === cls.lastIndexOf(cls[i]!));
  const odd = unique.length === 1 ? unique[0]! : undefined;
  if (!odd?.rejection || new Set(cls).size !== 2) return undefined;
  return odd as AttemptRecord & { rejection: Rejection };
}

/**
 * A refusal's class: its stage, its kind and its words with every node name, host and port of the
 * trial taken out (and any IPv4 address), so that passives that name themselves ("node n2 is
 * passive") are alike. Outcomes without words (reset, closed) are their own class.
 */
export function classOf(records: readonly AttemptRecord[]): (r: AttemptRecord) => string {
  const strip = nodeWords(records);
  return (r) => {
    if (!r.rejection) return r.outcome;
    const { stage, kind, message, detail = '' } = r.rejection;
    return `${stage}\0${kind}\0${`${message}\0${detail}`.replace(strip, '#').replace(IPV4, '#')}`;
  };
}

const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;

/** One pattern for the names, hosts and ports of the nodes in the records, longest first, as whole words. */
function nodeWords(records: readonly AttemptRecord[]): RegExp {
  const words = new Set<string>();
  for (const r of records) {
    const colon = r.address.lastIndexOf(':');
    for (const w of [r.node, r.address.slice(0, colon), r.address.slice(colon + 1)]) if (w) words.add(w);
  }
  if (words.size === 0) return /(?!)/g;
  const alternatives = [...words].sort((a, b) => b.length - a.length).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // Not inside a longer name: "n1" is taken out of "node n1 is passive", not out of "n10".
  return new RegExp(`(?<![\\w-])(?:${alternatives.join('|')})(?![\\w-])`, 'g');
}
