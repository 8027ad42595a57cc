import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { HealthMonitor } from '../../src/health/monitor.js';
import type { Checker, CheckOutcome } from '../../src/health/checker.js';
import { ClusterState } from '../../src/cluster/cluster-state.js';
import { silentLogger } from '../../src/log.js';
import { diffLists, hostAllowed, livyConfItems, nodeFromRole, roleSkipReason, setting, type CmRole } from '../../src/node-list/cm-roles.js';
import { eventually } from '../helpers/eventually.js';
import { track } from '../helpers/registry.js';

const role = (extra: Partial<CmRole> = {}): CmRole => ({
  name: 'livy-LIVY_SERVER-1',
  type: 'LIVY_SERVER',
  hostRef: { hostId: 'h1', hostname: 'livy1.example.com' },
  roleState: 'STARTED',
  commissionState: 'COMMISSIONED',
  ...extra,
});

describe('which Livy roles become nodes (pure rules)', () => {
  it('keeps STARTED and COMMISSIONED Livy server roles only; maintenance does not matter', () => {
    expect(roleSkipReason(role())).toBeUndefined();
    expect(roleSkipReason(role({ type: 'LIVY_SERVER_FOR_SPARK3', maintenanceMode: true }))).toBeUndefined();
    expect(roleSkipReason(role({ commissionState: undefined }))).toBeUndefined();
    expect(roleSkipReason(role({ type: 'GATEWAY' }))).toBe('not a Livy server role (GATEWAY)');
    expect(roleSkipReason(role({ roleState: 'STOPPED' }))).toBe('role STOPPED, not STARTED');
    expect(roleSkipReason(role({ commissionState: 'DECOMMISSIONED' }))).toBe('role DECOMMISSIONED, not COMMISSIONED');
  });

  it('reads a setting by name or relatedName, and the default when the value is null', () => {
    const items = [
      { name: 'livy_server_port', relatedName: 'livy.server.port', value: null, default: '8998' },
      { name: 'livy_thrift_port', relatedName: 'livy.server.thrift.port', value: '10001', default: '10090' },
    ];
    expect(setting(items, ['livy_server_port'])).toBe('8998');
    expect(setting(items, ['livy.server.thrift.port'])).toBe('10001');
    expect(setting(items, ['nothing'])).toBeUndefined();
  });

  it('makes a node with the documented defaults where CM has nothing, TLS for the checks, or says why not', () => {
    const made = nodeFromRole(role(), 'livy1.example.com', [{ name: 'ssl_enabled', value: 'true' }], 'binary');
    expect(made).toMatchObject({
      node: { name: 'livy-LIVY_SERVER-1', host: 'livy1.example.com', port: 10090, restPort: 8998, check: { tls: true } },
      transport: 'binary',
      httpPath: 'cliservice',
      tls: true,
    });
    const http = [{ name: 'x', relatedName: 'livy.server.thrift.transport.mode', value: 'HTTP' }];
    expect(nodeFromRole(role(), 'h', http, 'binary')).toMatch(/^speaks Thrift http but nodeTransport is binary/);
    expect(nodeFromRole(role(), 'h', http, 'http')).toMatchObject({ transport: 'http' });
    expect(nodeFromRole(role(), 'h', [{ name: 'livy_server_port', value: 'x1' }], 'binary')).toBe('REST port "x1" is not a port');
  });

  it("reads a generated livy.conf's key = value lines, comments skipped", () => {
    expect(livyConfItems('# livy\nlivy.server.port = 8998\nlivy.server.thrift.port=10001\n\n  livy.server.thrift.transport.mode   http\n')).toEqual([
      { name: 'livy.server.port', value: '8998' },
      { name: 'livy.server.thrift.port', value: '10001' },
      { name: 'livy.server.thrift.transport.mode', value: 'http' },
    ]);
  });

  it('matches allowedHosts as whole, case-insensitive names', () => {
    expect(hostAllowed('livy1.example.com', [])).toBe(true);
    expect(hostAllowed('LIVY1.example.com', ['*.example.com'])).toBe(true);
    expect(hostAllowed('livy1.example.com.evil.org', ['*.example.com'])).toBe(false);
    expect(hostAllowed('livy12.example.com', ['livy?.example.com'])).toBe(false);
  });

  it('names each change with its reason', () => {
    const n = (name: string, host: string) => nodeFromRole(role({ name }), host, [], 'binary') as Exclude<ReturnType<typeof nodeFromRole>, string>;
    const before = [n('a', 'h1'), n('b', 'h2'), n('c', 'h3')];
    const after = [n('a', 'h1'), n('c', 'h9'), n('d', 'h4')];
    expect(diffLists(before, after, [{ role: 'b', type: 'LIVY_SERVER', host: 'h2', reason: 'role STOPPED, not STARTED' }])).toEqual([
      { node: 'c', change: 'changed', reason: 'host moved: h3 -> h9' },
      { node: 'd', change: 'added', reason: 'role added on h4:10090' },
      { node: 'b', change: 'removed', reason: 'role STOPPED, not STARTED' },
    ]);
  });
});

describe('a changed node list in the model and the checks', () => {
  it('keeps unchanged nodes, their state and their checker; a new node waits as new until checked', async () => {
    const v = validateConfig({ nodes: ['a', 'b', 'c'].map((name, i) => ({ name, host: '127.0.0.1', port: 10000 + i })) });
    if (!v.ok) throw new Error(v.problems.join('\n'));
    const [a, b, c] = v.config.nodes as [(typeof v.config.nodes)[0], (typeof v.config.nodes)[0], (typeof v.config.nodes)[0]];
    const created: string[] = [];
    const closed: string[] = [];
    const cluster = new ClusterState([a, b], silentLogger());
    let answerC: (o: CheckOutcome) => void = () => {};
    const monitor = track(
      new HealthMonitor([a, b], v.config.health, cluster, silentLogger(), {
        createChecker: (ctx): Checker => {
          created.push(ctx.node.name);
          return {
            check: () =>
              ctx.node.name === 'c'
                ? new Promise<CheckOutcome>((r) => (answerC = r))
                : Promise.resolve({ state: ctx.node.name === 'a' ? 'active' : 'passive', reason: 'scripted' }),
            close: async () => void closed.push(ctx.node.name),
          };
        },
      }),
    );
    monitor.start();
    await eventually(() => cluster.active()?.config.name === 'a');
    const aSince = cluster.get('a')!.since;
    cluster.replaceNodes([a, c], { reasons: new Map([['b', 'removed by Cloudera Manager: role STOPPED']]), checked: (n) => monitor.checks(n) });
    monitor.replaceNodes([a, c]);
    expect(created).toEqual(['a', 'b', 'c']);
    expect(closed).toEqual(['b']);
    expect(cluster.get('a')).toMatchObject({ state: 'active', since: aSince });
    expect(cluster.get('c')).toMatchObject({ state: 'new' });
    expect(cluster.dialOrder().map((s) => s.config.name)).toEqual(['a']);
    answerC({ state: 'passive', reason: 'scripted' });
    await eventually(() => cluster.get('c')?.state === 'passive');
    expect(cluster.dialOrder().map((s) => s.config.name)).toEqual(['a', 'c']);
  });
});
