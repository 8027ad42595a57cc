import { describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/admin/status.js';
import { formatStatus, STATUS_WIDTH } from '../../src/cli/status.js';

const NOW = Date.parse('2026-12-03T10:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

function node(name: string, state: StatusReport['nodes'][number]['state'], reason: string): StatusReport['nodes'][number] {
  return {
    name,
    address: `${name.replace('-', '')}.example.com:10090`,
    restPort: 8998,
    state,
    since: ago(720),
    reason,
    connections: state === 'active' ? 17 : 0,
    maintenance: false,
    lastCheck: { at: ago(0), latencyMs: 3, result: state === 'unknown' ? 'alive' : state, reason },
  };
}

const report: StatusReport = {
  pid: 4242,
  startedAt: ago(3 * 3600),
  uptimeS: 3 * 3600,
  draining: false,
  active: 'livy-2',
  healthCheck: 'ha-status',
  listeners: [{ address: '0.0.0.0:10090', transport: 'auto' }],
  connections: { open: 17, held: 0 },
  descriptors: { limit: 65536, reserved: 91, budget: 32722, clients: 17 },
  readyConnections: { node: 'livy-2', ready: 4, opened: 40, taken: 36, retried: 0, expired: 0, dropped: 0, failed: 0 },
  nodes: [
    node('livy-1', 'passive', 'ha-status check: /ha-status 503 {"status":"follower"}'),
    node('livy-2', 'active', 'ha-status check: /ha-status 200 {"status":"leader"}'),
    node(
      'livy-3',
      'down',
      'thrift check: GetInfo: livy3.example.com:10090 answered garbage (the node answered HTTP ("HTTP/1.1 400 Bad Request"): wrong port, or nodeTransport?)',
    ),
  ],
  discovery: null,
  nodeList: null,
};

describe('livy-router status, for people', () => {
  it(`keeps every line within ${STATUS_WIDTH} columns, the reasons under their node`, () => {
    const text = formatStatus(report, 'http://127.0.0.1:9090', NOW);
    expect(text.split('\n').filter((l) => l.length > STATUS_WIDTH)).toEqual([]);
    expect(text).toContain('clients: 17 of 32722 (open files limit 65536)');
    expect(text).toMatch(
      /^\* {2}livy-2 {2}livy2\.example\.com:10090 {2}active {3}12m ago {2}17 {5}active, 3 ms, 0s ago\n {11}ha-status check: \/ha-status 200/m,
    );
    // A long reason is wrapped, not cut: every word of it is there.
    expect(text.replace(/\n\s+/g, ' ')).toContain('(the node answered HTTP ("HTTP/1.1 400 Bad Request"): wrong port, or nodeTransport?)');
  });
});
