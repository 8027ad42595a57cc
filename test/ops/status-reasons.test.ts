import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/net.js';
import { eventually } from '../helpers/eventually.js';
import { startTestRouter } from '../helpers/router.js';
import { startSimCluster } from '../helpers/sim.js';
import { adminStatus } from './helpers.js';

describe('/status says what was checked', () => {
  it('a node whose role a tcp check cannot tell shows what the check saw, not "not checked yet"', async () => {
    const cluster = await startSimCluster({ nodes: [{ name: 'livy-1' }], active: 'livy-1' });
    const node = cluster.node('livy-1');
    const { service } = await startTestRouter([{ name: 'livy-1', port: node.thriftPort }], {
      health: { kind: 'tcp' },
      admin: { enabled: true, host: '127.0.0.1', port: 0 },
    });
    const admin = service.adminAddress!.port;
    const n = await eventually(async () => {
      const s = (await adminStatus(admin)).nodes[0]!;
      return s.lastCheck ? s : undefined;
    });
    expect(n.state).toBe('unknown');
    expect(n.reason).toBe(`last check: tcp connect to 127.0.0.1:${node.thriftPort} succeeded`);
    expect(n.lastCheck).toMatchObject({ result: 'alive', reason: `tcp connect to 127.0.0.1:${node.thriftPort} succeeded` });
  });

  it('a REST port that refuses is named by its number', async () => {
    const restPort = await freePort();
    const thriftPort = await freePort();
    const { service } = await startTestRouter([{ name: 'livy-1', port: thriftPort, restPort }], {
      health: { kind: 'ha-status' },
      admin: { enabled: true, host: '127.0.0.1', port: 0 },
    });
    const admin = service.adminAddress!.port;
    const n = await eventually(async () => {
      const s = (await adminStatus(admin)).nodes[0]!;
      return s.state === 'down' ? s : undefined;
    });
    expect(n.reason).toBe(`ha-status check: REST port ${restPort}: ECONNREFUSED`);
  });
});
