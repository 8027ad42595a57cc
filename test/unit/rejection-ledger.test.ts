import { describe, expect, it } from 'vitest';
import type { Rejection } from '../../src/handshake/handshake.js';
import { shouldWait } from '../../src/cluster/hold-policy.js';
import { pickAnswer } from '../../src/cluster/rejection-ledger.js';
import type { AttemptRecord } from '../../src/upstream/node-trial.js';

const words = (text: string, stage = 'sasl'): Rejection => ({ bytes: Buffer.from(text), stage, message: text });
const said = (node: string, text: string, stage = 'sasl'): AttemptRecord => ({
  node,
  address: `${node}:1`,
  outcome: 'handshake-rejected',
  reason: text,
  rejection: words(text, stage),
});
const did = (node: string, outcome: AttemptRecord['outcome']): AttemptRecord => ({ node, address: `${node}:1`, outcome, reason: outcome });
const client = { deliverable: (r: Rejection) => r.stage === 'sasl', ownAnswer: (m: string) => Buffer.from(`own: ${m}`) };

describe('rejection ledger: which refusal a client gets (bytes in, answer out)', () => {
  it("the believed active's refusal, wherever it came in the order", () => {
    const a = pickAnswer([said('a', 'not active'), said('b', 'Error validating the login'), said('c', 'not active')], 'b', client, 's');
    expect(a).toEqual({ bytes: Buffer.from('Error validating the login'), from: 'b', unanimous: false });
  });

  it('without a believed active: the odd one out when two others agree, else the last', () => {
    expect(pickAnswer([said('a', 'not active'), said('b', 'login failed'), said('c', 'not active')], undefined, client, 's').from).toBe('b');
    expect(pickAnswer([said('a', 'x'), said('b', 'y')], undefined, client, 's').from).toBe('b');
    expect(pickAnswer([said('a', 'x'), said('b', 'y'), said('c', 'z')], undefined, client, 's').from).toBe('c');
  });

  it("a refusal the client cannot read becomes the router's answer with the node's words", () => {
    const a = pickAnswer([said('a', 'Invalid status -128', 'thrift-for-sasl')], 'a', client, 's');
    expect(a.bytes?.toString()).toBe('own: node a answered: Invalid status -128');
  });

  it('nobody answered: the router\'s own answer; "alike" ignores refused and silent nodes, not resets', () => {
    expect(pickAnswer([did('a', 'connect-refused'), did('b', 'connect-timeout')], undefined, client, 'all down')).toEqual({
      bytes: Buffer.from('own: all down'),
      from: undefined,
      unanimous: false,
    });
    expect(
      pickAnswer([did('a', 'connect-refused'), said('b', 'not active'), did('c', 'no-answer'), said('d', 'not active')], undefined, client, 's').unanimous,
    ).toBe(true);
    expect(pickAnswer([said('a', 'not active'), did('b', 'reset')], undefined, client, 's').unanimous).toBe(false);
    expect(pickAnswer([did('a', 'reset'), did('b', 'reset')], undefined, client, 's').unanimous).toBe(true);
  });
});

describe('hold policy: wait for an active node, or answer now', () => {
  const so = { startedAt: undefined, over: false, waitedForCheck: false };
  const view = (active: string | undefined, confirmed = false) => ({ active, checksConfirmActive: () => confirmed, canHold: true, holdMs: 1000 });
  const refused = (records: AttemptRecord[]) => ({ records, answer: pickAnswer(records, undefined, client, 's') });

  it('every node refused alike and no active: wait', () => {
    expect(shouldWait(refused([said('a', 'not active'), said('b', 'not active')]), so, view(undefined)).wait).toBe(true);
  });

  it('the active answered for itself (its words differ): answer now', () => {
    expect(shouldWait(refused([said('a', 'login failed'), said('b', 'not active'), said('c', 'not active')]), so, view('a')).wait).toBe(false);
  });

  it('the active answered like the passives while the checks still call it active: wait once for the check, then answer', () => {
    const r = refused([said('a', 'not active'), said('b', 'not active')]);
    const first = shouldWait(r, so, view('a', true));
    expect(first).toEqual({ wait: true, waitedForCheck: true });
    expect(shouldWait(r, { ...so, waitedForCheck: true }, view('a', true)).wait).toBe(false);
  });

  it('the hold ran out, or its time is spent: answer now', () => {
    const r = refused([said('a', 'not active'), said('b', 'not active')]);
    expect(shouldWait(r, { ...so, over: true }, view(undefined)).wait).toBe(false);
    expect(shouldWait(r, { ...so, startedAt: 0 }, view(undefined), 5000).wait).toBe(false);
  });
});
