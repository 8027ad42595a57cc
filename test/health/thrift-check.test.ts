import { describe, expect, it } from 'vitest';
import type { SimNode, SimNodeOptions } from '../../sim/cluster.js';
import { onStop, track } from '../helpers/registry.js';
import { startSimNode } from '../helpers/sim.js';
import { tlsFixture } from '../helpers/tls.js';
import { ThriftChecker } from '../../src/health/thrift.js';
import { TcpChecker } from '../../src/health/tcp.js';
import { encodeSaslFrame, SaslStatus } from '../../src/wire/sasl-frame.js';
import { freePort } from '../helpers/net.js';
import { checkerContext, startGarbageServer } from './helpers.js';

async function simNode(role: 'leader' | 'follower', opts: Partial<SimNodeOptions> = {}): Promise<SimNode> {
  const node = await startSimNode({ name: `sim-${role}`, ...opts }, { role });
  return node;
}

describe('thrift check', () => {
  it('SASL PLAIN + GetInfo on the active: one kept-open connection, never OpenSession', async () => {
    const node = await simNode('leader', { users: { probe: 'pw' } });
    const c = track(new ThriftChecker(checkerContext({ port: node.thriftPort }, { kind: 'thrift', user: 'probe', password: 'pw' })));
    for (let i = 0; i < 5; i++) expect((await c.check()).state).toBe('active');
    expect(node.stats.getInfoCalls).toBe(5);
    expect(node.stats.connectionsAccepted).toBe(1);
    expect(node.stats.openSessionCalls).toBe(0);
    expect(node.stats.openConnections).toBe(1);
  });

  it('NOSASL works too; a NOSASL probe to a SASL node says "cannot tell" (misconfigured)', async () => {
    const nosasl = await simNode('leader', { auth: 'nosasl' });
    const c = track(new ThriftChecker(checkerContext({ port: nosasl.thriftPort }, { kind: 'thrift', thriftAuth: 'nosasl' })));
    expect((await c.check()).state).toBe('active');
    const sasl = await simNode('leader');
    const wrongAuth = track(new ThriftChecker(checkerContext({ port: sasl.thriftPort }, { kind: 'thrift', thriftAuth: 'nosasl' })));
    expect(await wrongAuth.check()).toMatchObject({ state: 'alive', misconfigured: true });
  });

  it.each(['sasl-bad', 'sasl-error', 'close', 'reset'] as const)('a passive node (%s) says passive', async (passiveStyle) => {
    const node = await simNode('follower', { passiveStyle });
    const c = track(new ThriftChecker(checkerContext({ port: node.thriftPort }, { kind: 'thrift' })));
    const out = await c.check();
    expect(out.state).toBe('passive');
    expect(node.stats.openSessionCalls).toBe(0);
  });

  it('a passive node that closes its port (refuse) says down; so does a killed node', async () => {
    const node = await simNode('leader', { passiveStyle: 'refuse' });
    let lost = 0;
    const c = track(new ThriftChecker(checkerContext({ port: node.thriftPort }, { kind: 'thrift' }, () => lost++)));
    expect((await c.check()).state).toBe('active');
    await node.kill();
    // The kept-open probe connection closing is news at once, before the next check.
    await expect.poll(() => lost, { timeout: 2000 }).toBe(1);
    expect((await c.check()).state).toBe('down');
  });

  it('wrong probe credentials say "cannot tell", not passive', async () => {
    const node = await simNode('leader', { users: { probe: 'pw' } });
    const c = track(new ThriftChecker(checkerContext({ port: node.thriftPort }, { kind: 'thrift', user: 'probe', password: 'wrong' })));
    const out = await c.check();
    expect(out).toMatchObject({ state: 'alive', misconfigured: true });
    expect(out.reason).toMatch(/Error validating the login/);
  });

  it('a hung node is a GetInfo timeout on the kept-open connection, then a handshake timeout', async () => {
    const node = await simNode('leader');
    const c = track(new ThriftChecker(checkerContext({ port: node.thriftPort }, { kind: 'thrift', timeoutMs: 150 })));
    expect((await c.check()).state).toBe('active');
    node.hang();
    onStop(() => node.unhang());
    const first = await c.check();
    expect(first.state).toBe('down');
    expect(first.reason).toMatch(/GetInfo not answered .* within 150 ms/);
    const second = await c.check();
    expect(second.state).toBe('down');
    expect(second.reason).toMatch(/SASL negotiation not answered/);
  });

  it('TLS: works with tlsVerify false; an untrusted certificate says "cannot tell"', async () => {
    const fx = tlsFixture();
    const node = await simNode('leader', { tls: { key: fx.key, cert: fx.cert } });
    const ok = track(new ThriftChecker(checkerContext({ port: node.thriftPort }, { kind: 'thrift', tls: true, tlsVerify: false })));
    expect((await ok.check()).state).toBe('active');
    expect((await ok.check()).state).toBe('active');
    expect(node.stats.connectionsAccepted).toBe(1);
    const verify = track(new ThriftChecker(checkerContext({ port: node.thriftPort, host: 'localhost' }, { kind: 'thrift', tls: true })));
    expect(await verify.check()).toMatchObject({ state: 'alive', misconfigured: true });
  });

  it('garbage says down: after SASL, and instead of SASL', async () => {
    const afterSasl = await startGarbageServer(Buffer.concat([encodeSaslFrame(SaslStatus.COMPLETE, ''), Buffer.from([0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8])]));
    const a = track(new ThriftChecker(checkerContext({ port: afterSasl.port }, { kind: 'thrift' })));
    expect(await a.check()).toMatchObject({ state: 'down', reason: expect.stringMatching(/garbage/) });
    const noSasl = await startGarbageServer(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const b = track(new ThriftChecker(checkerContext({ port: noSasl.port }, { kind: 'thrift' })));
    expect(await b.check()).toMatchObject({ state: 'down', reason: expect.stringMatching(/garbage/) });
  });
});

describe('tcp check', () => {
  it('says alive (role unknown) when the port accepts, down when refused', async () => {
    const node = await simNode('follower', { passiveStyle: 'sasl-bad' });
    const c = track(new TcpChecker(checkerContext({ port: node.thriftPort }, { kind: 'tcp' })));
    expect((await c.check()).state).toBe('alive');
    const refused = track(new TcpChecker(checkerContext({ port: await freePort() }, { kind: 'tcp' })));
    expect((await refused.check()).state).toBe('down');
  });
});
