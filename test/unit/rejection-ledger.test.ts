import { describe, expect, it } from 'vitest';
import type { Rejection } from '../../src/handshake/handshake.js';
import { shouldWait } from '../../src/cluster/hold-policy.js';
import { oddOneOut, pickAnswer, refusedAlike } from '../../src/cluster/rejection-ledger.js';
import type { AttemptRecord } from '../../src/upstream/node-trial.js';

const words = (text: string, stage = 'sasl'): Rejection => ({ bytes: Buffer.from(text), stage, kind: 'SASL BAD', message: text });
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

describe('refusals compared by class: stage, kind, and the words without node names, hosts and ports', () => {
  const named = (node: string, port: number, kind = 'SASL ERROR'): AttemptRecord => ({
    node,
    address: `10.0.0.${port % 10}:${port}`,
    outcome: 'handshake-rejected',
    reason: 'r',
    rejection: {
      bytes: Buffer.from(`node ${node} (10.0.0.${port % 10}:${port}) is passive`),
      stage: 'sasl',
      kind,
      message: `node ${node} (10.0.0.${port % 10}:${port}) is passive`,
    },
  });
  const login = (node: string): AttemptRecord => ({ ...said(node, 'Error validating the login'), address: `10.0.0.1:10091` });

  it('passives that name themselves are alike; the active refusing a wrong password is the odd one out', () => {
    const records = [login('n1'), named('n2', 10092), named('n3', 10093)];
    expect(refusedAlike(records.slice(1))).toBe(true);
    expect(oddOneOut(records)?.node).toBe('n1');
    expect(pickAnswer(records, undefined, client, 's')).toEqual({ bytes: Buffer.from('Error validating the login'), from: 'n1', unanimous: false });
  });

  it('the same words of another kind or stage are another class; a name inside a longer word is kept', () => {
    expect(refusedAlike([named('n2', 10092), named('n3', 10093, 'SASL BAD')])).toBe(false);
    expect(refusedAlike([said('a', 'x', 'sasl'), said('b', 'x', 'thrift')])).toBe(false);
    expect(refusedAlike([said('n1', 'node n10 down'), { ...said('n2', 'node n10 down') }])).toBe(true);
    expect(refusedAlike([said('n1', 'node n1x down'), said('n2', 'node n2x down')])).toBe(false);
  });

  it('HTTP: the same status with other words in its body is another class (an overloaded active among passives)', () => {
    const http = (node: string, body: string): AttemptRecord => ({
      node,
      address: `127.0.0.1:1000${node.length}`,
      outcome: 'handshake-rejected',
      reason: 'HTTP 503',
      rejection: { bytes: Buffer.from(body), stage: 'http', kind: 'HTTP 503', message: 'HTTP 503 Service Unavailable', detail: body },
    });
    const records = [http('a', 'busy'), http('b', 'not active: node b'), http('c', 'not active: node c')];
    expect(refusedAlike(records)).toBe(false);
    expect(refusedAlike(records.slice(1))).toBe(true);
    expect(oddOneOut(records)?.node).toBe('a');
  });

  it('no odd one out with fewer than three answers, with two odd ones, or when the odd one said nothing', () => {
    expect(oddOneOut([login('n1'), named('n2', 10092)])).toBeUndefined();
    expect(oddOneOut([login('n1'), named('n2', 10092), said('n3', 'other')])).toBeUndefined();
    expect(oddOneOut([did('n1', 'closed'), named('n2', 10092), named('n3', 10093)])).toBeUndefined();
    expect(oddOneOut([did('n1', 'connect-refused'), login('n2'), named('n3', 10093), named('n4', 10094)])?.node).toBe('n2');
  });
});

describe('hold policy: wait for an active node, or answer now', () => {
  const so = { startedAt: undefined, over: false, waitedForCheck: false };
  const NOW = 100_000;
  const view = (active: string | undefined, confirmed = false, lastActiveAt: number | undefined = active ? NOW : undefined) => ({
    active,
    lastActiveAt,
    checksConfirmActive: () => confirmed,
    canHold: true,
    holdMs: 1000,
  });
  const refused = (records: AttemptRecord[], believedActive?: string) => ({ records, believedActive });

  it('every node refused alike and no active: wait', () => {
    expect(shouldWait(refused([said('a', 'not active'), said('b', 'not active')]), so, view(undefined), NOW).wait).toBe(true);
  });

  it('the active answered for itself (its words differ): answer now', () => {
    expect(shouldWait(refused([said('a', 'login failed'), said('b', 'not active'), said('c', 'not active')], 'a'), so, view('a'), NOW).wait).toBe(false);
  });

  it('the active answered like the passives while the checks still call it active: wait once for the check, then answer', () => {
    const r = refused([said('a', 'not active'), said('b', 'not active')], 'a');
    const first = shouldWait(r, so, view('a', true), NOW);
    expect(first).toEqual({ wait: true, waitedForCheck: true });
    expect(shouldWait(r, { ...so, waitedForCheck: true }, view('a', true), NOW).wait).toBe(false);
  });

  it('the hold ran out, or its time is spent: answer now', () => {
    const r = refused([said('a', 'not active'), said('b', 'not active')]);
    expect(shouldWait(r, { ...so, over: true }, view(undefined), NOW).wait).toBe(false);
    expect(shouldWait(r, { ...so, startedAt: 0 }, view(undefined), 5000).wait).toBe(false);
  });

  it('(a) the believed active did not answer for itself: wait whatever the others said', () => {
    for (const silence of ['connect-refused', 'connect-timeout', 'reset', 'closed', 'no-answer'] as const) {
      const r = refused([did('a', silence), said('b', 'node b is passive'), did('c', 'closed')], 'a');
      expect(shouldWait(r, so, view('a'), NOW).wait).toBe(true);
      expect(shouldWait(refused([did('a', silence), did('b', 'connect-refused'), did('c', 'connect-refused')], 'a'), so, view('a'), NOW).wait).toBe(true);
    }
  });

  it('(b) no active, one was less than holdMs ago: wait whatever the others said; not once holdMs has passed', () => {
    const r = refused([said('b', 'node b is passive'), did('c', 'closed'), did('a', 'connect-refused')]);
    expect(shouldWait(r, so, view(undefined, false, NOW - 900), NOW).wait).toBe(true);
    expect(shouldWait(r, so, view(undefined, false, NOW - 1100), NOW).wait).toBe(false);
    const allRefuse = refused([did('a', 'connect-refused'), did('b', 'connect-refused'), did('c', 'connect-refused')]);
    expect(shouldWait(allRefuse, so, view(undefined, false, NOW - 900), NOW).wait).toBe(true);
  });

  it('(a) and (b): exactly one node answered unlike all the others by class: it judged the client, answer now', () => {
    const r = refused(
      [did('a', 'connect-refused'), said('b', 'Error validating the login'), said('c', 'node c is passive'), said('d', 'node d is passive')],
      'a',
    );
    expect(shouldWait(r, so, view('a'), NOW).wait).toBe(false);
    expect(shouldWait({ ...r, believedActive: undefined }, so, view(undefined, false, NOW - 10), NOW).wait).toBe(false);
  });

  it('never active and every node refuses TCP, or every node down for longer than holdMs: answer now', () => {
    const allRefuse = refused([did('a', 'connect-refused'), did('b', 'connect-refused')]);
    expect(shouldWait(allRefuse, so, view(undefined), NOW).wait).toBe(false);
    expect(shouldWait(refused([did('a', 'connect-refused'), said('b', 'x')], 'a'), so, { ...view('a'), canHold: false }, NOW).wait).toBe(false);
  });
});
