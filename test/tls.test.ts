import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { queryNode, runQuery } from '../sim/hive-client.js';
import { tlsFixture } from './helpers/tls.js';
import { startSimCluster } from './helpers/sim.js';
import { startTestRouter } from './helpers/router.js';

const fixture = tlsFixture();

describe('TLS passthrough', () => {
  for (const transport of ['binary', 'http'] as const) {
    it(`${transport}: TLS is not terminated; the client verifies the node's certificate and reaches the active`, async () => {
      const cluster = await startSimCluster({
        nodes: ['livy-1', 'livy-2', 'livy-3'].map((name) => ({
          name,
          transport,
          passiveStyle: 'reset' as const,
          tls: { key: fixture.key, cert: fixture.cert },
        })),
        active: 'livy-2',
      });
      const r = await startTestRouter(
        cluster.nodes.map((n) => ({ name: n.name, port: n.thriftPort })),
        { nodeTransport: transport },
      );
      const target = { host: '127.0.0.1', port: r.port, transport, tls: { ca: fixture.ca, servername: 'localhost' }, timeoutMs: 10_000 };
      expect(await queryNode(target)).toBe('livy-2');
      const rows = await runQuery(target, 'SELECT * FROM range(1000)');
      expect(rows.rows).toHaveLength(1000);
      // A TLS commit is blind (the router cannot read the answer): it proves nothing about roles.
      expect(r.service.router.cluster.active()).toBeUndefined();
    });
  }

  it('no node accepts: the TLS client gets a TLS alert, not a hang', async () => {
    const cluster = await startSimCluster({
      nodes: [{ name: 'livy-1', passiveStyle: 'reset', tls: { key: fixture.key, cert: fixture.cert } }],
      active: null,
    });
    const r = await startTestRouter([{ name: 'livy-1', port: cluster.nodes[0]!.thriftPort }]);
    const err = await new Promise<Error>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: r.port, ca: fixture.ca, servername: 'localhost' });
      s.on('error', resolve);
      s.on('secureConnect', () => resolve(new Error('unexpected handshake success')));
    });
    expect(err.message).toMatch(/alert internal error|alert number 80/i);
  });
});
