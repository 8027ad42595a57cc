import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../sim/cluster.js';
import { queryNode } from '../../sim/hive-client.js';
import { startRouterProcess, type RouterProcess } from '../helpers/router-process.js';
import { eventually } from '../helpers/eventually.js';
import { findLine } from './helpers.js';
import { duplicateKeys } from './json-keys.js';

const PASSWORD = 'pw-Never-Logged-7';
const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

describe('log lines an on-call engineer can alert on (the real process, every line checked)', () => {
  let cluster: SimCluster;
  let router: RouterProcess;
  const query = () => queryNode({ host: '127.0.0.1', port: router.port, user: 'alice', password: PASSWORD, timeoutMs: 10_000 });
  const after = (from: number, msg: RegExp, level?: number) =>
    eventually(() => router.lines.slice(from).find((l) => msg.test(String(l.msg)) && (level === undefined || l.level === level)), {
      what: `a line matching ${msg}`,
      timeoutMs: 8000,
    });

  beforeAll(async () => {
    cluster = await startSimCluster({
      nodes: [
        { name: 'livy-1', passiveStyle: 'sasl-bad' },
        { name: 'livy-2', passiveStyle: 'open-session-error' },
      ],
      active: 'livy-1',
    });
    const nodes = cluster.nodes.flatMap((n) => ['--node', `${n.name}=127.0.0.1:${n.thriftPort},rest=${n.restPort}`]);
    router = await startRouterProcess([...nodes, '--check', 'ha-status', '--admin', 'off', '--log-level', 'debug']);
  });
  afterAll(async () => {
    if (router) expect(await router.stop()).toBe(0);
    await cluster?.close();
  });

  it('starts with one banner naming the version, listeners, nodes, check and admin', async () => {
    const banner = await eventually(() => findLine(router.lines, /^livy-router \S+ started: /), { what: 'the start-up banner' });
    expect(banner).toMatchObject({ level: LEVEL.info, check: 'ha-status', admin: 'off', active: 'livy-1' });
    expect(banner.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(banner.nodes).toEqual(cluster.nodes.map((n) => `${n.name}=127.0.0.1:${n.thriftPort}`));
  });

  it('logs a connection opened at debug and closed at info, each key once', async () => {
    expect(await query()).toBe('livy-1');
    const closed = await eventually(() => findLine(router.lines, 'connection closed'), { what: 'the connection closed line' });
    expect(closed).toMatchObject({ level: LEVEL.info, node: 'livy-1', transport: 'sasl' });
    expect(typeof closed.client).toBe('string');
    expect(closed.id).toBeUndefined(); // `conn` is the id
    expect(findLine(router.lines, 'connection opened')).toMatchObject({ level: LEVEL.debug, node: 'livy-1', conn: closed.conn });
  });

  it('active lost: warn; no active node for 2 s: error; clients waiting: warn; active again: info with the duration', async () => {
    const from = router.lines.length;
    cluster.setActive(null);
    const lost = await after(from, /^node livy-1 active -> /);
    expect(lost).toMatchObject({ level: LEVEL.warn, node: 'livy-1', from: 'active' });
    const none = await after(from, /^no active Livy node/);
    expect(none.level).toBe(LEVEL.error);
    expect(none.noActiveMs).toBeGreaterThanOrEqual(2000);
    expect(none.nodes).toEqual([expect.objectContaining({ node: 'livy-1', state: 'passive' }), expect.objectContaining({ node: 'livy-2', state: 'passive' })]);

    const held = query();
    expect((await after(from, /^clients are waiting for an active Livy node$/)).level).toBe(LEVEL.warn);
    const goneAt = Date.now();
    cluster.setActive('livy-2');
    expect(await held).toBe('livy-2');
    const back = await after(from, /^node livy-2 is active: JDBC clients are routed again/);
    expect(back.level).toBe(LEVEL.info);
    expect(back.noActiveMs).toBeGreaterThanOrEqual(2000);
    expect(back.noActiveMs).toBeLessThan(Date.now() - goneAt + 10_000);
    expect(await after(from, /^no client waiting for an active Livy node any more/)).toMatchObject({ level: LEVEL.info, clientsHeld: 1 });
  });

  it('a node going down: warn', async () => {
    const from = router.lines.length;
    await cluster.node('livy-1').kill();
    expect(await after(from, /^node livy-1 \w+ -> down/)).toMatchObject({ level: LEVEL.warn, to: 'down' });
  });

  it('no line has a duplicate key, and none holds the password', async () => {
    await router.stop();
    expect(router.raw.length).toBeGreaterThan(20);
    const bad = router.raw.map((line) => ({ line, dups: duplicateKeys(line) })).filter((l) => l.dups.length);
    expect(bad).toEqual([]);
    expect(router.raw.filter((l) => l.includes(PASSWORD))).toEqual([]);
  });

  it('the duplicate-key scan finds duplicates (so the check above can fail)', () => {
    expect(duplicateKeys('{"a":1,"b":{"a":2,"c":[{"a":3}]},"a":"x\\":"}')).toEqual(['a']);
    expect(duplicateKeys('{"msg":"a \\"b\\": c","b":1}')).toEqual([]);
  });
});
