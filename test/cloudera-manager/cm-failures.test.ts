import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { startRouterProcess, type RouterProcess } from '../helpers/router-process.js';
import { startSimCluster } from '../helpers/sim.js';
import { CM_PASSWORD, CM_USER, cmConfigFiles, cmState, livyRole, startSimCm } from '../helpers/cloudera-manager.js';
import { adminGet, adminStatus, findLine, metric, metrics } from '../ops/helpers.js';

const POLL_MS = 500;
const R = 'livy_for_spark3-LIVY_SERVER_FOR_SPARK3-';

async function adminPort(router: RouterProcess): Promise<number> {
  const line = await eventually(() => findLine(router.lines, 'admin listening'), { what: 'the admin listening line' });
  return Number(String(line.address).split(':').pop());
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const failures = (router: RouterProcess, cause: string) =>
  router.lines.filter((l) => l.msg !== undefined && /^Cloudera Manager poll failed/.test(String(l.msg)) && l.cause === cause);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function twoNodes() {
  const cluster = await startSimCluster({ nodes: [{ name: 'a' }, { name: 'b' }], active: 'a' });
  const [a, b] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  return [livyRole(`${R}a`, '127.0.0.1', a.thriftPort, a.restPort), livyRole(`${R}b`, '127.0.0.1', b.thriftPort, b.restPort)];
}

/**
 * Cloudera Manager down, slow, refusing the credentials or answering nonsense: the router keeps
 * the last good list, logs each case once with its cause, never crashes, and says when it has no
 * list at all (not ready). Run at trace level: no log line may hold the CM password.
 */
describe('Cloudera Manager failing', () => {
  it('mid-run: a 500, a slow answer, malformed JSON, a wrong shape and CM down keep the last good list, each logged once', async () => {
    const roles = await twoNodes();
    const port = await freePort();
    const controlPort = await freePort();
    let cm = await startSimCm({ state: cmState(roles), port, controlPort });
    const files = cmConfigFiles(cm.url, ['health: { kind: ha-status }']);
    const router = await startRouterProcess(['--config', files.config, '--log-level', 'trace']);
    const admin = await adminPort(router);
    await eventually(async () => (await adminStatus(admin)).active === `${R}a`);
    const names = [`${R}a`, `${R}b`];

    const cases: Array<[string, string, () => Promise<void>]> = [
      ['http-error', 'HTTP 500', () => cm.setFault('500')],
      ['timeout', 'within 400 ms', () => cm.setFault('slow', 1500)],
      ['bad-answer', 'not JSON', () => cm.setFault('malformed')],
      ['bad-answer', 'unexpected shape', () => cm.setFault('shape')],
      ['unreachable', 'cannot reach Cloudera Manager', () => cm.stop()],
    ];
    for (const [cause, words, breakIt] of cases) {
      await breakIt();
      // Three polls or more with the fault: still one line for it.
      const line = await eventually(() => failures(router, cause).find((l) => String(l.msg).includes(words)), { timeoutMs: 3000, what: `a ${cause} line` });
      expect(line).toMatchObject({ level: 40, source: 'clouderaManager', code: expect.stringMatching(/^LR_CM_/) });
      expect(String(line.msg)).toMatch(/keeping the last good list \(2 node\(s\), \d+ s old\)/);
      await sleep(POLL_MS * 3 + 200);
      const status = await adminStatus(admin);
      expect(status.nodes.map((n) => n.name)).toEqual(names);
      expect(status.active).toBe(`${R}a`);
      expect(status.nodeList?.clouderaManager?.consecutiveFailures).toBeGreaterThanOrEqual(2);
      if (cause !== 'bad-answer') expect(failures(router, cause)).toHaveLength(1);
      expect(router.child.exitCode).toBeNull();
      // A different cause next: heal first, so each case starts from a good poll.
      if (cause !== 'unreachable') {
        await cm.setFault('none');
        await eventually(async () => (await adminStatus(admin)).nodeList?.clouderaManager?.consecutiveFailures === 0, { timeoutMs: 3000 });
      }
    }
    // The two bad-answer cases were separated by a good poll: one line each.
    expect(failures(router, 'bad-answer')).toHaveLength(2);

    // CM back on the same address: the list is current again, said once at info.
    cm = await startSimCm({ state: cmState(roles), port, controlPort });
    await eventually(() => findLine(router.lines, /^Cloudera Manager answers again after \d+ failed poll/), { timeoutMs: 3000 });
    const text = await metrics(admin);
    for (const cause of ['http-error', 'timeout', 'bad-answer', 'unreachable'])
      expect(metric(text, 'livy_router_node_list_failed_polls_total', { cause })).toBeGreaterThan(0);
    expect(metric(text, 'livy_router_node_list_failed_polls_total', { cause: 'unauthorized' })).toBe(0);
    expect(metric(text, 'livy_router_node_list_age_seconds')).toBeLessThan(5);
    expect((await adminGet(admin, '/healthz')).status).toBe(200);
    expect(await router.stop()).toBe(0);

    // Trace level logs every health check and connection: still no credential anywhere.
    const basic = Buffer.from(`${CM_USER}:${CM_PASSWORD}`).toString('base64');
    expect(router.lines.some((l) => l.level === 10)).toBe(true);
    for (const line of router.raw) {
      expect(line).not.toContain(CM_PASSWORD);
      expect(line).not.toContain(basic);
      expect(line.toLowerCase()).not.toContain('authorization');
    }
  });

  it('down at start: no list, not ready, said once; the list arrives when CM does', async () => {
    const roles = await twoNodes();
    const port = await freePort();
    const files = cmConfigFiles(`http://127.0.0.1:${port}`, ['health: { kind: ha-status }']);
    const router = await startRouterProcess(['--config', files.config, '--log-level', 'debug']);
    const admin = await adminPort(router);
    expect(
      findLine(router.lines, /^no Livy node list: Cloudera Manager at .* has not answered \(LR_CM_UNREACHABLE: cannot reach Cloudera Manager .*ECONNREFUSED\)/),
    ).toMatchObject({ level: 50 });
    const ready = await adminGet(admin, '/readyz');
    expect(ready).toEqual({ status: 503, body: expect.stringContaining('no Livy node list') });
    const status = await adminStatus(admin);
    expect(status.nodes).toEqual([]);
    expect(status.nodeList).toMatchObject({ source: 'clouderaManager', updatedAt: null, ageS: null });
    await startSimCm({ state: cmState(roles), port });
    await eventually(async () => (await adminGet(admin, '/readyz')).status === 200, { timeoutMs: 8000, what: 'ready once CM answers' });
    expect((await adminStatus(admin)).nodes.map((n) => n.name)).toEqual([`${R}a`, `${R}b`]);
    expect(failures(router, 'unreachable')).toHaveLength(1);
    expect(await router.stop()).toBe(0);
  });

  it('wrong credentials: refused once with the cause; a corrected password file and SIGHUP bring the list', async () => {
    const roles = await twoNodes();
    const cm = await startSimCm({ state: cmState(roles) });
    const files = cmConfigFiles(cm.url, ['health: { kind: ha-status }'], 'not-the-password');
    const router = await startRouterProcess(['--config', files.config, '--log-level', 'trace']);
    const admin = await adminPort(router);
    await eventually(() => failures(router, 'unauthorized')[0], { what: 'the unauthorized line' });
    expect(String(failures(router, 'unauthorized')[0]!.msg)).toContain(`refused user ${CM_USER}`);
    expect((await adminGet(admin, '/readyz')).status).toBe(503);
    await sleep(POLL_MS * 2);
    expect(failures(router, 'unauthorized')).toHaveLength(1);
    writeFileSync(files.passwordFile, `${CM_PASSWORD}\n`);
    router.child.kill('SIGHUP');
    await eventually(async () => (await adminStatus(admin)).nodes.length === 2, { timeoutMs: 5000, what: 'the list after the reload' });
    expect(findLine(router.lines, 'configuration reloaded')).toBeDefined();
    expect((await cm.stats()).refused).toBeGreaterThan(0);
    expect(await router.stop()).toBe(0);
    for (const line of router.raw) expect(line).not.toContain(CM_PASSWORD);
  });
});
