// A sim node in its own OS process: ready line, queries, SIGSTOP/SIGCONT, SIGTERM, kill -9.
import { describe, expect, test } from 'vitest';
import { HiveTimeoutError, queryNode } from '../../sim/hive-client.js';
import { spawnSimNode as spawnNode } from '../helpers/sim.js';
import { httpCall, rawTalk } from './helpers.js';

describe('node-process', () => {
  test('leader and follower processes answer; SIGSTOP freezes; SIGTERM exits 0', async () => {
    const leader = await spawnNode({ name: 'x', role: 'leader', users: { u: 'p' } });
    const follower = await spawnNode({ name: 'y', role: 'follower', leaderRestUrl: leader.restUrl });
    const target = { host: leader.host, port: leader.thriftPort, user: 'u', password: 'p', timeoutMs: 3000 };
    expect(await queryNode(target)).toBe('x');
    expect((await httpCall(`${leader.restUrl}/ha-status`)).status).toBe(200);
    const redirect = await httpCall(`${follower.restUrl}/sessions`);
    expect(redirect.status).toBe(307);
    expect(redirect.headers.location).toBe(`${leader.restUrl}/sessions`);
    await expect(queryNode({ host: follower.host, port: follower.thriftPort, timeoutMs: 3000 })).rejects.toThrow(/not active/);

    leader.child.kill('SIGSTOP');
    await expect(queryNode({ ...target, timeoutMs: 300 })).rejects.toBeInstanceOf(HiveTimeoutError);
    leader.child.kill('SIGCONT');
    expect(await queryNode(target)).toBe('x');

    await leader.stop();
    expect(leader.child.exitCode).toBe(0);
    expect((await rawTalk(leader.thriftPort, undefined, 1000)).errorCode).toBe('ECONNREFUSED');
  });

  test('stop() ends a stopped (SIGSTOP) process; kill -9 refuses at once', async () => {
    const a = await spawnNode({ name: 'a', role: 'leader', transport: 'http' });
    expect(await queryNode({ host: a.host, port: a.thriftPort, transport: 'http', timeoutMs: 3000 })).toBe('a');
    a.child.kill('SIGSTOP');
    await a.stop();
    expect(a.child.exitCode).toBe(0);

    const b = await spawnNode({ name: 'b', role: 'leader', thriftPort: 0 });
    b.child.kill('SIGKILL');
    await new Promise((resolve) => b.child.once('exit', resolve));
    expect((await rawTalk(b.thriftPort, undefined, 1000)).errorCode).toBe('ECONNREFUSED');
    await b.stop();
  });

  test('a bad argument fails fast with the reason', async () => {
    await expect(spawnNode({ name: 'bad', passiveStyle: 'nope' as 'hang' })).rejects.toThrow(/passive-style must be one of/);
  });
});
