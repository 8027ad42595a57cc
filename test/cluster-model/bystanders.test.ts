import { describe, expect, it } from 'vitest';
import type { HiveSessionHandle, HiveTarget } from '../../sim/hive-client.js';
import { queryNode } from '../../sim/hive-client.js';
import type { BinaryPassiveStyle, HttpPassiveStyle, SimCluster } from '../../sim/cluster.js';
import { openSessionCall, saslPlainFrames } from '../../sim/wire.js';
import { encodeSaslFrame, SaslStatus } from '../../src/wire/sasl-frame.js';
import { MessageType, readReply, Reader, StatusCode } from '../../src/wire/thrift-codec.js';
import { frame, Writer } from '../../src/wire/thrift-writer.js';
import type { Service } from '../../src/service.js';
import { eventually } from '../helpers/eventually.js';
import { exchange } from '../helpers/net.js';
import { startTestRouter } from '../helpers/router.js';
import { openHiveSession, startSimCluster } from '../helpers/sim.js';

/**
 * A bad client next to healthy ones: five committed sessions on the active must survive every
 * bad client, and the bad client must get what a direct connection to the active gives it (or,
 * where a direct answer is unreadable for it, the router's answer in its own protocol).
 */
const USERS = { analyst: 's3cret' };
const BYSTANDERS = 5;

interface Rig {
  cluster: SimCluster;
  service: Service;
  port: number;
  bystanders: HiveSessionHandle[];
  target(over?: Partial<HiveTarget>): HiveTarget;
  direct(over?: Partial<HiveTarget>): HiveTarget;
}

async function rig(transport: 'binary' | 'http', passiveStyle: BinaryPassiveStyle | HttpPassiveStyle, checks: boolean): Promise<Rig> {
  const cluster = await startSimCluster({
    nodes: ['livy-1', 'livy-2', 'livy-3'].map((name) => ({ name, transport, passiveStyle, users: USERS })),
    active: 'livy-2',
  });
  const nodes = cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort, restPort: n.restPort }));
  // A short hold: without checks, a refusal every node gives alike (HiveServer2-style passives log
  // the client in first) may be a failover, and the client waits out holdMs before its answer.
  const { service, port } = await startTestRouter(nodes, { nodeTransport: transport, holdMs: 1500, ...(checks ? { health: {} } : {}) });
  if (checks) await eventually(() => service.router.cluster.active()?.config.name === 'livy-2', { what: 'the checks to find livy-2' });
  const base = { host: '127.0.0.1', transport, user: 'analyst', password: 's3cret', timeoutMs: 8000 };
  const target = (over: Partial<HiveTarget> = {}) => ({ ...base, port, ...over });
  const direct = (over: Partial<HiveTarget> = {}) => ({ ...base, port: cluster.node('livy-2').thriftPort, ...over });
  const bystanders = await Promise.all(Array.from({ length: BYSTANDERS }, () => openHiveSession(target())));
  return { cluster, service, port, bystanders, target, direct };
}

async function expectBystandersUntouched(r: Rig): Promise<void> {
  for (const b of r.bystanders) {
    expect(b.isClosed).toBe(false);
    expect((await b.query('SELECT node')).rows).toEqual([{ node: 'livy-2' }]);
  }
  expect(r.service.router.cluster.active()?.config.name).toBe('livy-2');
}

/** hive-driver's error text without the address it names (the router's or the node's). */
async function errorOf(target: HiveTarget): Promise<string> {
  const err = await queryNode(target).then(
    () => undefined,
    (e: Error) => e.message,
  );
  expect(err, 'the bad client should fail').toBeDefined();
  return err!.replace(/\s*\((binary|http)s? [^)]*\)\s*$/, '').replace(/127\.0\.0\.1:\d+/g, 'ADDRESS');
}

const GSSAPI_START = Buffer.concat([encodeSaslFrame(SaslStatus.START, 'GSSAPI'), encodeSaslFrame(SaslStatus.OK, Buffer.alloc(64, 7))]);
/** A valid login, then an OpenSession whose arguments are not Thrift. */
const GARBAGE_AFTER_LOGIN = Buffer.concat([
  saslPlainFrames('analyst', 's3cret'),
  frame(Buffer.concat([new Writer().messageHeader(MessageType.CALL, 'OpenSession', 1).toBuffer(), Buffer.alloc(24, 0xff)])),
]);

describe.each([true, false])('bystanders on the active survive bad clients (checks %s)', (checks) => {
  it.each(['sasl-bad', 'open-session-error', 'reset'] as const)(
    'binary, passives answer %s',
    async (style) => {
      const r = await rig('binary', style, checks);
      // A wrong password: the active's own "Error validating the login", as directly.
      expect(await errorOf(r.target({ password: 'wrong' }))).toBe(await errorOf(r.direct({ password: 'wrong' })));
      await expectBystandersUntouched(r);

      // GSSAPI on a PLAIN-only cluster: the active's SASL answer, byte for byte.
      const viaRouter = await exchange(r.port, GSSAPI_START);
      const direct = await exchange(r.cluster.node('livy-2').thriftPort, GSSAPI_START);
      expect(viaRouter.answer).toEqual(direct.answer);
      expect(direct.answer[0]).toBe(SaslStatus.BAD);
      await expectBystandersUntouched(r);

      // NOSASL on a SASL cluster: the active answers a SASL frame the client cannot read; the
      // router answers its OpenSession in Thrift instead, with the active's words.
      const nosasl = await exchange(r.port, openSessionCall(7));
      const reply = readReply(new Reader(nosasl.answer, 0, 1 << 20));
      expect(reply).toMatchObject({ type: MessageType.REPLY, name: 'OpenSession', seqid: 7, statusCode: StatusCode.ERROR });
      expect(reply.errorMessage).toMatch(/livy-2 answered: Invalid status -128/);
      await expectBystandersUntouched(r);

      // Not Thrift after a valid login, and a client that leaves in the middle of its handshake.
      await exchange(r.port, GARBAGE_AFTER_LOGIN);
      await exchange(r.port, saslPlainFrames('analyst', 's3cret'), { leaveAfterMs: 50 });
      await expectBystandersUntouched(r);
    },
    30_000,
  );

  it.each(['http-503', 'http-307', 'open-session-error'] as const)(
    'http, passives answer %s',
    async (style) => {
      const r = await rig('http', style, checks);
      // The active is overloaded for one call: the client gets its 503, as directly; nobody else is touched.
      r.cluster.node('livy-2').busyFor(1);
      const viaRouter = await errorOf(r.target());
      r.cluster.node('livy-2').busyFor(1);
      expect(viaRouter).toBe(await errorOf(r.direct()));
      expect(viaRouter).toMatch(/503/);
      await expectBystandersUntouched(r);
      // A wrong password: the active's 401, as directly.
      expect(await errorOf(r.target({ password: 'wrong' }))).toBe(await errorOf(r.direct({ password: 'wrong' })));
      await expectBystandersUntouched(r);
    },
    30_000,
  );
});
