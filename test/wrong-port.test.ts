import { describe, expect, it } from 'vitest';
import { plainClientHello } from '../sim/wire.js';
import { eventually } from './helpers/eventually.js';
import { exchange } from './helpers/net.js';
import { startTestRouter } from './helpers/router.js';
import { startSimCluster } from './helpers/sim.js';

/** The router set up for binary nodes, in front of a Livy node whose Thrift port speaks HTTP. */
describe('a node that answers HTTP on the Thrift port is named for what it is', () => {
  it('a SASL client is told the node answered HTTP, and so is the thrift health check', async () => {
    const cluster = await startSimCluster({ nodes: [{ name: 'livy-1', transport: 'http' }], active: 'livy-1' });
    const node = cluster.node('livy-1');
    const { port, lines } = await startTestRouter([{ name: 'livy-1', port: node.thriftPort }], { holdMs: 0 });
    const refused = await exchange(port, plainClientHello());
    expect(refused.answer[0]).toBe(0x04);
    const text = refused.answer.subarray(5).toString();
    expect(text).toMatch(/the node answered HTTP \("HTTP\/1\.1 \d{3}[^"]*"\): wrong port, or nodeTransport\?/);
    expect(text).not.toMatch(/invalid SASL status byte/);
    expect(lines.some((l) => /the node answered HTTP/.test(String(l.msg)) || JSON.stringify(l).includes('the node answered HTTP'))).toBe(true);

    const checked = await startTestRouter([{ name: 'livy-1', port: node.thriftPort, restPort: node.restPort }], { health: { kind: 'thrift' } });
    const reason = await eventually(() => {
      const r = checked.service.router.cluster.all()[0]!.reason;
      return /answered/.test(r) ? r : undefined;
    });
    expect(reason).toMatch(/the node answered HTTP \("HTTP\/1\.1 \d{3}/);
  });
});
