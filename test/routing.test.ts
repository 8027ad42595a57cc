import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { BinaryPassiveStyle } from '../sim/cluster.js';
import { queryNode, runQuery, type HiveTarget } from '../sim/hive-client.js';
import { saslPlainFrames } from '../sim/wire.js';
import { openHiveSession, startSimCluster } from './helpers/sim.js';
import { startTestRouter, type LogLine } from './helpers/router.js';

const STYLES: BinaryPassiveStyle[] = ['refuse', 'reset', 'close', 'sasl-bad', 'sasl-error', 'open-session-error', 'hang'];

async function setup(style: BinaryPassiveStyle, active: string | null, auth: 'plain' | 'nosasl' = 'plain', extra: Record<string, unknown> = {}) {
  const cluster = await startSimCluster({
    nodes: ['livy-1', 'livy-2', 'livy-3'].map((name) => ({ name, passiveStyle: style, auth })),
    active,
  });
  const r = await startTestRouter(
    cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort, restPort: n.restPort })),
    { handshake: { timeoutMs: 400 }, ...extra },
  );
  return {
    cluster,
    service: r.service,
    port: r.port,
    lines: r.lines,
    target: (over: Partial<HiveTarget> = {}): HiveTarget => ({ host: '127.0.0.1', port: r.port, auth, timeoutMs: 5000, ...over }),
  };
}

describe('finds the active node', () => {
  for (const style of STYLES) {
    it(`among 3 nodes whose passives answer '${style}', wherever the active is`, async () => {
      for (const active of ['livy-1', 'livy-2', 'livy-3']) {
        const { cluster, service, target } = await setup(style, active);
        expect(await queryNode(target())).toBe(active);
        // The node that accepted is now the known active: the next client goes straight there.
        expect(service.router.cluster.active()?.config.name).toBe(active);
        const dialsBefore = cluster.nodes.map((n) => n.stats.openSessionCalls);
        expect(await queryNode(target())).toBe(active);
        const dialsAfter = cluster.nodes.map((n) => n.stats.openSessionCalls);
        cluster.nodes.forEach((n, i) => expect(dialsAfter[i]! - dialsBefore[i]!).toBe(n.name === active ? 1 : 0));
        await service.stop();
        await cluster.close();
      }
    });
  }

  it('learns the active from a parsed OpenSession success; a refusal in the handshake changes no state', async () => {
    const { service, target } = await setup('sasl-bad', 'livy-3');
    await queryNode(target());
    const states = service.router.cluster.all().map((s) => [s.config.name, s.state, s.reason]);
    expect(states).toEqual([
      ['livy-1', 'unknown', 'not checked yet'],
      ['livy-2', 'unknown', 'not checked yet'],
      ['livy-3', 'active', 'answered a client OpenSession with success'],
    ]);
  });
});

describe('end to end with hive-driver through the router', () => {
  for (const auth of ['plain', 'nosasl'] as const) {
    it(`${auth}: session, query, 100,000 rows equal to a direct connection`, async () => {
      const { cluster, target } = await setup('open-session-error', 'livy-2', auth);
      const direct = cluster.node('livy-2');
      const viaRouter = await runQuery(target({ timeoutMs: 30_000 }), 'SELECT * FROM range(100000)');
      const straight = await runQuery({ host: direct.host, port: direct.thriftPort, auth, timeoutMs: 30_000 }, 'SELECT * FROM range(100000)');
      expect(viaRouter.rows.length).toBe(100_000);
      expect(viaRouter.rows).toEqual(straight.rows);
      expect(viaRouter.rows[99_999]).toEqual({ id: 99_999, label: 'row-99999' });
    }, 60_000);
  }
});

describe('failures', () => {
  it('active killed mid-session: the client connection closes within 1 s; the next one reaches the new active', async () => {
    const { cluster, target } = await setup('sasl-bad', 'livy-1');
    const session = await openHiveSession(target());
    expect((await session.query('SELECT node')).rows).toEqual([{ node: 'livy-1' }]);
    cluster.setActive('livy-2');
    await cluster.settled();
    const killedAt = Date.now();
    await cluster.node('livy-1').kill();
    const info = await session.closed;
    const closeMs = Date.now() - killedAt;
    expect(info.reason).toBe('connection-lost');
    expect(closeMs).toBeLessThan(1000);
    expect(await queryNode(target())).toBe('livy-2');
    await session.close();
  });

  it("no node accepts: after holdMs the client gets the router's own answer with the nodes' words, and a close; the router keeps serving", async () => {
    const { cluster, port, target, lines } = await setup('sasl-bad', null, 'plain', { holdMs: 800 });
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', reject);
      const parts: Buffer[] = [];
      s.on('data', (c: Buffer) => parts.push(c));
      s.on('close', () => resolve(Buffer.concat(parts)));
      s.write(saslPlainFrames('anonymous', 'x'));
    });
    // Every node answered alike and none is active: a failover may be under way, so the client
    // waited holdMs (trying again every 250 ms), then got the router's own SASL ERROR.
    expect(answer[0]).toBe(0x04);
    expect(answer.subarray(5).toString()).toMatch(
      /^livy-router: no active Livy node for 800 ms; last answer from livy-3: .*Livy server is not active \(follower\)/,
    );
    const warn = lines.find((l: LogLine) => l.msg === 'no Livy node accepted the connection');
    expect(warn?.attempts).toHaveLength(3);
    // hive-driver sees the rejection as an error, not a hang.
    await expect(queryNode(target())).rejects.toThrow(/not active/);
    cluster.setActive('livy-3');
    await cluster.settled();
    expect(await queryNode(target())).toBe('livy-3');
  });

  it("a wrong password is the client's problem: the active keeps its state and its other clients", async () => {
    const cluster = await startSimCluster({
      nodes: ['livy-1', 'livy-2', 'livy-3'].map((name) => ({ name, passiveStyle: 'sasl-bad' as const, users: { analyst: 's3cret' } })),
      active: 'livy-2',
    });
    const r = await startTestRouter(cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort })));
    const target = (password: string): HiveTarget => ({ host: '127.0.0.1', port: r.port, user: 'analyst', password, timeoutMs: 5000 });
    const session = await openHiveSession(target('s3cret'));
    expect((await session.query('SELECT node')).rows).toEqual([{ node: 'livy-2' }]);
    // The active answers SASL BAD "Error validating the login", as a passive answers SASL BAD too.
    await expect(queryNode(target('wrong'))).rejects.toThrow(/Error validating the login/);
    expect(r.service.router.cluster.active()?.config.name).toBe('livy-2');
    expect(session.isClosed).toBe(false);
    expect((await session.query('SELECT node')).rows).toEqual([{ node: 'livy-2' }]);
    await session.close();
  });

  it('a hung node tried last does not hold the final answer for the whole handshake timeout', async () => {
    const cluster = await startSimCluster({
      nodes: ['livy-1', 'livy-2', 'livy-3'].map((name) => ({ name, passiveStyle: 'sasl-bad' as const })),
      active: 'livy-1',
    });
    const r = await startTestRouter(
      cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort, restPort: n.restPort })),
      { health: { kind: 'ha-status' }, holdMs: 0, connectTimeoutMs: 1000, handshake: { timeoutMs: 20_000 } },
    );
    cluster.node('livy-1').hang(); // the kernel still accepts; nothing answers
    await expect.poll(() => r.service.router.cluster.get('livy-1')?.state, { timeout: 3000 }).toBe('down');
    const started = Date.now();
    await expect(queryNode({ host: '127.0.0.1', port: r.port, timeoutMs: 10_000 })).rejects.toThrow(/not active/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('no node reachable at all: a SASL client gets an ERROR frame naming every node tried', async () => {
    const { target } = await setup('refuse', null);
    await expect(queryNode(target())).rejects.toThrow(/livy-router: no Livy node accepted the connection: livy-1 127\.0\.0\.1:\d+: connect failed/);
  });
});
