import { describe, expect, it } from 'vitest';
import type { BinaryPassiveStyle } from '../../sim/cluster.js';
import { queryNode } from '../../sim/hive-client.js';
import { saslPlainFrames } from '../../sim/wire.js';
import { exchange } from '../helpers/net.js';
import { startTestRouter } from '../helpers/router.js';
import { openHiveSession, startSimCluster } from '../helpers/sim.js';

const USERS = { analyst: 's3cret' };

/**
 * Issue 17, item 2: a cold router (no checks, no client yet), passives whose refusals name
 * themselves ("...: node n2 at 127.0.0.1:PORT"), so no two passives answer the same bytes. A
 * wrong-password client comes first: it must get the active's answer, byte for byte what a direct
 * connection to the active gets, at once (not after holdMs). Then good clients reach the active,
 * and the bystander sessions opened before the second bad client are untouched by it.
 */
describe.each([
  { style: 'sasl-bad' as BinaryPassiveStyle, active: 'n1' },
  { style: 'sasl-error' as BinaryPassiveStyle, active: 'n1' },
  { style: 'sasl-bad' as BinaryPassiveStyle, active: 'n2' },
  { style: 'sasl-error' as BinaryPassiveStyle, active: 'n3' },
])('passives answering $style naming themselves, active $active', ({ style, active }) => {
  it("a wrong password first gets the active's own answer; good clients then reach the active", async () => {
    const cluster = await startSimCluster({
      nodes: ['n1', 'n2', 'n3'].map((name) => ({ name, passiveStyle: style, passiveNamesItself: true, users: USERS })),
      active,
    });
    const { service, port } = await startTestRouter(cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort })));
    expect(service.cluster.all().map((s) => s.state)).toEqual(['unknown', 'unknown', 'unknown']);
    const wrong = saslPlainFrames('analyst', 'wrong');

    const direct = await exchange(cluster.node(active).thriftPort, wrong);
    expect(direct.answer.subarray(5).toString()).toBe('Error validating the login');
    // The passives' words really differ (they name themselves): the bytes alone cannot match them.
    const passives = cluster.nodes.filter((n) => n.name !== active);
    const passiveAnswers = await Promise.all(passives.map((n) => exchange(n.thriftPort, wrong)));
    expect(passiveAnswers[0]!.answer.subarray(5).toString()).toContain(`node ${passives[0]!.name} at 127.0.0.1:${passives[0]!.thriftPort}`);
    expect(passiveAnswers[0]!.answer.equals(passiveAnswers[1]!.answer)).toBe(false);

    const viaRouter = await exchange(port, wrong);
    expect(viaRouter.answer).toEqual(direct.answer);
    expect(viaRouter.closedAfterMs).toBeLessThan(1000); // answered, not held for holdMs (15 s)

    expect(await queryNode({ host: '127.0.0.1', port, user: 'analyst', password: 's3cret', timeoutMs: 5000 })).toBe(active);
    const bystanders = await Promise.all(
      [1, 2, 3, 4, 5].map(() => openHiveSession({ host: '127.0.0.1', port, user: 'analyst', password: 's3cret', timeoutMs: 5000 })),
    );
    // A second bad client, now that the router knows the active: the same answer, and nobody cut.
    expect((await exchange(port, wrong)).answer).toEqual(direct.answer);
    for (const s of bystanders) {
      expect(s.isClosed).toBe(false);
      expect((await s.query('SELECT node')).rows).toEqual([{ node: active }]);
    }
    expect(service.cluster.active()?.config.name).toBe(active);
    await Promise.all(bystanders.map((s) => s.close()));
  });
});
