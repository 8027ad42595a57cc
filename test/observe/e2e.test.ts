import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../sim/cluster.js';
import { openHiveSession, startSimCluster } from '../helpers/sim.js';
import { startRouterProcess, type RouterProcess } from '../helpers/router-process.js';
import { eventually } from '../helpers/eventually.js';
import { adminStatus, findLine, metric, metrics } from '../ops/helpers.js';

const SECRET_PASSWORD = 'pw-Observe-7f3a9c';
const SECRET_LITERAL = 'lit-Observe-51e2b8';

/**
 * The real router process with --observe-sessions in front of a simulated Livy node, driven by
 * hive-driver in each transport: metrics count exactly the calls made, the session shows in
 * /status while open, a slow call (the node delays FetchResults) is logged with the statement's
 * digest, and no log line at trace level carries a password or a literal.
 */
describe.each([
  { transport: 'binary' as const, auth: 'plain' as const, wire: 'sasl' },
  { transport: 'binary' as const, auth: 'nosasl' as const, wire: 'nosasl' },
  { transport: 'http' as const, auth: 'plain' as const, wire: 'http' },
])('observe on, $wire', ({ transport, auth, wire }) => {
  let sim: SimCluster;
  let router: RouterProcess;
  let admin: number;
  let dir: string;

  beforeAll(async () => {
    sim = await startSimCluster({
      nodes: [{ name: 'a', transport, auth, users: { alice: SECRET_PASSWORD }, delayReplies: { ExecuteStatement: 300 } }],
      active: 'a',
    });
    const node = sim.nodes[0]!;
    dir = mkdtempSync(join(tmpdir(), 'observe-e2e-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      [
        `nodes: [{ name: a, host: 127.0.0.1, port: ${node.thriftPort}, restPort: ${node.restPort} }]`,
        `nodeTransport: ${transport}`,
        'health: { kind: none }',
        'admin: { host: 127.0.0.1, port: 0 }',
        'session: { observe: true, slowCallMs: 200, logStatementDigests: true }',
      ].join('\n'),
    );
    router = await startRouterProcess(['--config', file, '--log-level', 'trace']);
    const line = await eventually(() => findLine(router.lines, 'admin listening'), { what: 'the admin listening line' });
    admin = Number(String(line.address).split(':').pop());
  });
  afterAll(async () => {
    expect(await router?.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts every call by method, lists the open session, logs the slow call, and never a secret', async () => {
    const session = await openHiveSession({
      host: '127.0.0.1',
      port: router.port,
      transport,
      auth,
      user: 'alice',
      password: SECRET_PASSWORD,
      timeoutMs: 10_000,
    });
    // The simulator refuses this statement and quotes it in its error: neither reaches a log line.
    await expect(session.query(`SELECT '${SECRET_LITERAL}' AS s, 42 AS n`)).rejects.toThrow(/does not support/);
    const query = session.query('select * from range(25)');
    // The node holds ExecuteStatement's reply 300 ms: /status shows the call in flight meanwhile.
    const during = await eventually(
      async () => ((await adminStatus(admin)).sessions?.[0]?.inFlight as { method: string; ageMs: number } | undefined) ?? undefined,
      {
        what: 'the call in flight in /status',
      },
    );
    expect(during.method).toBe('ExecuteStatement');
    expect(during.ageMs).toBeGreaterThanOrEqual(0);
    const result = await query;
    expect(result.rows).toHaveLength(25);

    const status = await adminStatus(admin);
    expect(status.sessions).toHaveLength(1);
    const listed = status.sessions![0]!;
    expect(listed).toMatchObject({ node: 'a', transport: wire, user: 'alice', observing: true, inFlight: null });
    expect(listed.calls).toBeGreaterThanOrEqual(5);
    expect(listed.thriftSession).toMatch(/^[0-9a-f]{32}$/);
    expect(listed.protocol).toBe(9); // V10, what hive-driver asks for and the simulator grants
    expect(listed.bytesToClient).toBeGreaterThan(0);

    await session.close();
    const closed = await eventually(() => findLine(router.lines, 'connection closed'), { what: 'the connection closed line' });
    const text = await metrics(admin);
    const byMethod = closed.callsByMethod as Record<string, number>;
    // The metrics and the closing line agree call for call, and both saw the session's whole life.
    expect(byMethod.OpenSession).toBe(1);
    expect(byMethod.CloseSession).toBe(1);
    expect(byMethod.ExecuteStatement).toBe(1);
    expect(byMethod['ExecuteStatement:error']).toBe(1);
    expect(byMethod.GetResultSetMetadata).toBe(1);
    expect(closed.rowsFetched).toBe(25);
    expect(byMethod.FetchResults).toBeGreaterThanOrEqual(1);
    // What the node itself counted: the router saw the same calls, no more, no fewer.
    const { stats } = sim.nodes[0]!;
    expect(byMethod.OpenSession).toBe(stats.openSessionCalls);
    expect(byMethod.ExecuteStatement + byMethod['ExecuteStatement:error']!).toBe(stats.executeCalls);
    expect(byMethod.FetchResults).toBe(stats.fetchCalls);
    for (const [key, n] of Object.entries(byMethod)) {
      const [method, outcome = 'ok'] = key.split(':');
      expect(metric(text, 'livy_router_thrift_calls_total', { method: method!, outcome })).toBe(n);
    }
    expect(metric(text, 'livy_router_thrift_calls_total')).toBe(closed.calls);
    expect(metric(text, 'livy_router_thrift_call_duration_seconds_count', { method: 'ExecuteStatement' })).toBe(2);
    expect(metric(text, 'livy_router_thrift_call_duration_seconds_count', { method: 'OpenSession' })).toBe(0);

    const slow = router.lines.filter((l) => l.msg === 'slow call');
    expect(slow.map((l) => [l.outcome, l.digest])).toEqual([
      ['error', 'SELECT ? AS s, ? AS n'],
      ['ok', 'select * from range(?)'],
    ]);
    for (const line of slow) {
      expect(line).toMatchObject({ level: 40, method: 'ExecuteStatement', user: 'alice', session: listed.thriftSession });
      expect(line.durationMs).toBeGreaterThanOrEqual(280);
    }

    for (const raw of router.raw) {
      expect(raw).not.toContain(SECRET_PASSWORD);
      expect(raw).not.toContain(SECRET_LITERAL);
    }
  });
});
