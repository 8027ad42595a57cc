import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { CLI, startRouterProcess, type RouterProcess } from '../helpers/router-process.js';
import { openHiveSession, startSimCluster } from '../helpers/sim.js';
import { cmConfigFiles, cmState, livyRole, startSimCm } from '../helpers/cloudera-manager.js';
import { adminStatus, findLine } from '../ops/helpers.js';

const POLL_MS = 500;
/** One poll, plus the check that a new node needs, plus scheduling slack on a busy 2-core machine. */
const WITHIN_ONE_POLL_MS = POLL_MS + 1500;
const R = 'livy_for_spark3-LIVY_SERVER_FOR_SPARK3-';

async function adminPort(router: RouterProcess): Promise<number> {
  const line = await eventually(() => findLine(router.lines, 'admin listening'), { what: 'the admin listening line' });
  return Number(String(line.address).split(':').pop());
}

const nodeLines = (router: RouterProcess, node: string) => router.lines.filter((l) => l.source === 'clouderaManager' && l.node === node);

/**
 * The node list from Cloudera Manager, through the real router process and the CM stand-in in its
 * own process: the list follows the roles, and each change is applied within one poll without
 * cutting a session on a node that did not change.
 */
describe('Livy nodes from Cloudera Manager', () => {
  it('follows the roles: one stopped, one added, a host renamed; sessions on unchanged nodes stay', async () => {
    const cluster = await startSimCluster({
      nodes: ['a', 'b', 'c', 'd'].map((name) => ({ name, keepConnectionsOnDemote: true })),
      active: 'a',
    });
    const [a, b, c, d] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0], (typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    // c's twin on another loopback address with the same ports: "host renamed" changes only the host name.
    const renamed = await startSimCluster({ nodes: [{ name: 'c2', host: '127.0.0.2', thriftPort: c.thriftPort, restPort: c.restPort }], active: null });
    const roles = {
      a: livyRole(`${R}a`, '127.0.0.1', a.thriftPort, a.restPort),
      // No hostname in hostRef: the router must ask /hosts/{hostId}.
      b: livyRole(`${R}b`, '127.0.0.1', b.thriftPort, b.restPort, { hideHostname: true }),
      c: livyRole(`${R}c`, '127.0.0.1', c.thriftPort, c.restPort, { maintenanceMode: true }),
      d: livyRole(`${R}d`, '127.0.0.1', d.thriftPort, d.restPort, { roleState: 'STOPPED' }),
    };
    const cm = await startSimCm({ state: cmState([roles.c, roles.a, roles.d, roles.b]) });
    // A generous check timeout: on a loaded 2-core machine a 250 ms check (the default) sometimes marks b and c down.
    const files = cmConfigFiles(cm.url, ['health: { kind: ha-status, timeoutMs: 1000 }']);
    const router = await startRouterProcess(['--config', files.config, '--log-level', 'info']);
    const admin = await adminPort(router);

    // The list matches the started, commissioned Livy server roles, sorted by name; c in maintenance stays.
    let status = await eventually(async () => {
      const s = await adminStatus(admin);
      return s.active === `${R}a` && s;
    });
    expect(status.nodes.map((n) => [n.name, n.address, n.restPort, n.maintenance])).toEqual([
      [`${R}a`, `127.0.0.1:${a.thriftPort}`, a.restPort, false],
      [`${R}b`, `127.0.0.1:${b.thriftPort}`, b.restPort, false],
      [`${R}c`, `127.0.0.1:${c.thriftPort}`, c.restPort, true],
    ]);
    expect(status.nodeList).toMatchObject({ source: 'clouderaManager', clouderaManager: { url: cm.url, failedPolls: 0 } });
    const aSince = status.nodes[0]!.since;
    // The status command says where the list came from and marks the role in maintenance.
    const table = execFileSync(process.execPath, [CLI, 'status', '--admin', `127.0.0.1:${admin}`], { encoding: 'utf8' });
    expect(table).toMatch(new RegExp(`^nodes from: Cloudera Manager ${cm.url}, confirmed \\d+s ago$`, 'm'));
    expect(table).toMatch(new RegExp(`${R}c +127\\.0\\.0\\.1:${c.thriftPort} +passive \\(maintenance\\)`));

    // A session on the active, through the router: it must survive every change below.
    const session = await openHiveSession({ host: '127.0.0.1', port: router.port, timeoutMs: 5000 });
    expect((await session.query('SELECT node')).rows[0]).toMatchObject({ node: 'a' });

    const applied = async (what: string, ok: (s: Awaited<ReturnType<typeof adminStatus>>) => boolean) => {
      const t0 = Date.now();
      status = await eventually(
        async () => {
          const s = await adminStatus(admin);
          return ok(s) && s;
        },
        { timeoutMs: WITHIN_ONE_POLL_MS, intervalMs: 50, what },
      );
      return Date.now() - t0;
    };

    // b's role stopped: b leaves the list.
    await cm.setRoles([roles.a, { ...roles.b, roleState: 'STOPPED' }, roles.c, roles.d]);
    const stoppedMs = await applied('b removed', (s) => !s.nodes.some((n) => n.name === `${R}b`));
    expect(nodeLines(router, `${R}b`).filter((l) => l.change === 'removed')).toEqual([
      expect.objectContaining({ level: 30, reason: 'role STOPPED, not STARTED' }),
    ]);

    // d's role started: d joins, checked before any client is sent to it.
    await cm.setRoles([roles.a, { ...roles.b, roleState: 'STOPPED' }, roles.c, { ...roles.d, roleState: 'STARTED' }]);
    const addedMs = await applied('d added and checked', (s) => s.nodes.some((n) => n.name === `${R}d` && n.state === 'passive'));
    expect(nodeLines(router, `${R}d`).filter((l) => l.change === 'added')).toHaveLength(1);
    expect(findLine(router.lines, `node ${R}d new -> passive: ha-status check: /ha-status 503 {"status":"follower"}`)).toBeDefined();

    // c's host renamed: same role, new host name, same ports.
    await cm.setRoles([roles.a, { ...roles.b, roleState: 'STOPPED' }, { ...roles.c, hostname: '127.0.0.2' }, { ...roles.d, roleState: 'STARTED' }]);
    const renamedMs = await applied('c on its new host', (s) =>
      s.nodes.some((n) => n.name === `${R}c` && n.address === `127.0.0.2:${c.thriftPort}` && n.state === 'passive'),
    );
    expect(nodeLines(router, `${R}c`).filter((l) => l.change === 'changed')).toEqual([
      expect.objectContaining({ reason: 'host moved: 127.0.0.1 -> 127.0.0.2' }),
    ]);
    expect(renamed.nodes[0]!.stats.haStatusRequests).toBeGreaterThan(0);

    // The active never changed: same state since the start, its session still answers.
    const aNow = status.nodes.find((n) => n.name === `${R}a`)!;
    expect(aNow).toMatchObject({ state: 'active', since: aSince, connections: 1 });
    expect(session.isClosed).toBe(false);
    expect((await session.query('SELECT node')).rows[0]).toMatchObject({ node: 'a' });
    expect(router.lines.filter((l) => /closed|CUT/i.test(String(l.msg)) && l.node === `${R}a`)).toEqual([]);
    process.stdout.write(`applied after the role change: stopped ${stoppedMs} ms, added ${addedMs} ms, renamed ${renamedMs} ms (poll ${POLL_MS} ms)\n`);
    await session.close();
    await router.stop();
  });
});
