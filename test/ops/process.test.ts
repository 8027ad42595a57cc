import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectBulk, pattern, startBulkNode, type BulkNode } from '../helpers/bulk-node.js';
import { eventually } from '../helpers/eventually.js';
import { tryConnect } from '../helpers/net.js';
import { CLI, startRouterProcess, type RouterProcess } from '../helpers/router-process.js';
import { adminGet, adminStatus, findLine, writeAll } from './helpers.js';

const MiB = 1024 * 1024;

function configYaml(nodes: Array<{ name: string; port: number }>, extra = ''): string {
  return [
    'nodes:',
    ...nodes.map((n) => `  - { name: ${n.name}, host: 127.0.0.1, port: ${n.port} }`),
    'health: { kind: none }',
    'admin: { host: 127.0.0.1, port: 0 }',
    'shutdownGraceMs: 1500',
    extra,
  ].join('\n');
}

async function adminPort(router: RouterProcess): Promise<number> {
  const line = await eventually(() => findLine(router.lines, 'admin listening'), { what: 'the admin listening line' });
  return Number(String(line.address).split(':').pop());
}

function runStatusCli(admin: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'status', '--admin', `127.0.0.1:${admin}`], { timeout: 10_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((r) => (socket.destroyed ? r() : socket.once('close', () => r())));
}

describe('the real process: SIGHUP reload and the status command', () => {
  let dir: string;
  let file: string;
  let a: BulkNode;
  let b: BulkNode;
  let router: RouterProcess;
  let admin: number;
  const sockets: net.Socket[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'livy-router-ops-'));
    file = join(dir, 'config.yaml');
    [a, b] = await Promise.all([startBulkNode(), startBulkNode()]);
    writeFileSync(file, configYaml([{ name: 'a', port: a.port }]));
    router = await startRouterProcess(['--config', file, '--log-level', 'info']);
    admin = await adminPort(router);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    expect(await router?.stop()).toBe(0);
    await Promise.all([a?.close(), b?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const hup = async (msg: RegExp) => {
    const before = router.lines.length;
    router.child.kill('SIGHUP');
    return eventually(() => router.lines.slice(before).find((l) => msg.test(String(l.msg))), { what: `a log line matching ${msg}` });
  };

  it('adds a node on SIGHUP while an established connection keeps flowing', async () => {
    a.setMode({ kind: 'sink' });
    const client = (await connectBulk(router.port)).socket;
    sockets.push(client);
    const sent = createHash('sha256');
    const first = pattern(MiB, 0);
    sent.update(first);
    await writeAll(client, first);

    writeFileSync(
      file,
      configYaml([
        { name: 'a', port: a.port },
        { name: 'b', port: b.port },
      ]),
    );
    const reloaded = await hup(/^configuration reloaded$/);
    expect(reloaded).toMatchObject({ added: ['b'], removed: [], nodes: ['a', 'b'] });

    const status = await adminStatus(admin);
    expect(status.nodes.map((n) => [n.name, n.state, n.connections])).toEqual([
      ['a', 'active', 1],
      ['b', 'unknown', 0],
    ]);
    expect(status.nodes[1]!.reason).toBe('added by a configuration reload');

    const second = pattern(MiB, MiB);
    sent.update(second);
    await writeAll(client, second);
    client.end();
    client.resume();
    await closed(client);
    const rec = await eventually(() => a.received.at(-1), { what: 'node a to record the connection' });
    expect(rec).toMatchObject({ bytes: 2 * MiB, sha256: sent.digest('hex'), endedByClient: true });
    const logged = await eventually(() => findLine(router.lines, 'connection closed'), { what: 'the connection closed line' });
    expect(logged).toMatchObject({ node: 'a', bytesFromClient: 2 * MiB, reason: 'client closed' });
  });

  it('refuses an invalid file on SIGHUP, logs every problem and keeps the running config', async () => {
    const held = (await connectBulk(router.port)).socket;
    sockets.push(held);
    writeFileSync(
      file,
      configYaml(
        [
          { name: 'a', port: a.port },
          { name: 'b', port: 70000 },
        ],
        'holdMs: -5\nbogus: 1',
      ),
    );
    const refused = await hup(/^reload refused/);
    expect(refused.level).toBe(50);
    expect(refused.problems).toEqual(expect.arrayContaining(['nodes[1].port: must be 1-65535', 'holdMs: must be 0 (off) or more', 'bogus: unknown option']));
    expect(String(refused.msg)).toContain('nodes[1].port: must be 1-65535');

    const status = await adminStatus(admin);
    expect(status.nodes.map((n) => `${n.name}=${n.address}`)).toEqual([`a=127.0.0.1:${a.port}`, `b=127.0.0.1:${b.port}`]);
    expect(status.nodes[0]!.connections).toBe(1);
    expect(held.destroyed).toBe(false);
    held.destroy();
  });

  it('prints the nodes and the active one with `livy-router status`', async () => {
    const { code, stdout, stderr } = await runStatusCli(admin);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^active: a /m);
    expect(stdout).toMatch(new RegExp(`^\\*\\s+a\\s+127\\.0\\.0\\.1:${a.port}\\s+active\\s`, 'm'));
    // The reason on the line under the node's row, so that every line fits 100 columns.
    expect(stdout).toMatch(new RegExp(`^\\s+b\\s+127\\.0\\.0\\.1:${b.port}\\s+unknown\\s.*\\n\\s+added by a configuration reload$`, 'm'));
    expect(stdout.split('\n').filter((l) => l.length > 100)).toEqual([]);
  });
});

describe('the real process: SIGTERM drains and exits 0', () => {
  let node: BulkNode;
  let router: RouterProcess | undefined;
  let dir: string;
  afterEach(async () => {
    await router?.stop('SIGKILL');
    await node?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops accepting, lets a connection finish, closes the one that outlives the grace period, exits 0', async () => {
    node = await startBulkNode();
    node.setMode({ kind: 'sink' });
    dir = mkdtempSync(join(tmpdir(), 'livy-router-ops-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, configYaml([{ name: 'a', port: node.port }]));
    const r = await startRouterProcess(['--config', file, '--log-level', 'info']);
    router = r;
    const admin = await adminPort(r);
    const finishing = (await connectBulk(r.port)).socket;
    const lingering = (await connectBulk(r.port)).socket;
    lingering.resume();
    await writeAll(finishing, pattern(MiB, 0));

    const exit = new Promise<number | null>((res) => r.child.once('exit', (code) => res(code)));
    const signalledAt = Date.now();
    r.child.kill('SIGTERM');
    await eventually(() => findLine(r.lines, /^shutting down/), { what: 'the shutting down line' });

    expect(await tryConnect(r.port)).toBe('ECONNREFUSED');
    const ready = await adminGet(admin, '/readyz');
    expect(ready).toEqual({ status: 503, body: 'not ready: shutting down\n' });
    expect((await adminGet(admin, '/healthz')).status).toBe(200);
    expect((await adminStatus(admin)).draining).toBe(true);

    // The established connection still carries bytes during the drain.
    await writeAll(finishing, pattern(MiB, MiB));
    finishing.end();
    finishing.resume();
    await closed(finishing);
    expect(await eventually(() => node.received.at(-1), { what: 'the node to record the finished connection' })).toMatchObject({ bytes: 2 * MiB });

    // The router ends the connection that outlived the grace period (the client, half-close
    // capable, sees the FIN).
    await new Promise((res) => (lingering.readableEnded ? res(undefined) : lingering.once('end', res)));
    lingering.destroy();
    expect(await exit).toBe(0);
    const elapsedMs = Date.now() - signalledAt;
    expect(elapsedMs).toBeGreaterThanOrEqual(1400);
    expect(elapsedMs).toBeLessThan(5000);
    const ends = r.lines.filter((l) => l.msg === 'connection closed').map((l) => l.reason);
    expect(ends).toEqual(expect.arrayContaining(['client closed', 'router shutting down']));
    expect(findLine(r.lines, 'stopped')).toBeDefined();
  });
});

describe('the real process: systemd readiness', () => {
  const saved = { PATH: process.env.PATH, NOTIFY_SOCKET: process.env.NOTIFY_SOCKET };
  let dir: string;
  let router: RouterProcess | undefined;
  afterEach(async () => {
    await router?.stop('SIGKILL');
    process.env.PATH = saved.PATH;
    if (saved.NOTIFY_SOCKET === undefined) delete process.env.NOTIFY_SOCKET;
    else process.env.NOTIFY_SOCKET = saved.NOTIFY_SOCKET;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A stand-in for systemd-notify on PATH; returns the file where it records what it was asked to send. */
  function fakeSystemdNotify(): string {
    dir = mkdtempSync(join(tmpdir(), 'livy-router-notify-'));
    const record = join(dir, 'sent');
    const fake = join(dir, 'systemd-notify');
    writeFileSync(fake, `#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> '${record}'\n`);
    chmodSync(fake, 0o755);
    process.env.PATH = `${dir}:${saved.PATH ?? ''}`;
    process.env.NOTIFY_SOCKET = '/run/fake-notify.sock';
    return record;
  }

  it('runs systemd-notify READY=1 once listening when NOTIFY_SOCKET is set, and STOPPING=1 on SIGTERM', async () => {
    // A stand-in for systemd-notify on PATH records what it was asked to send (the real tool
    // needs a service manager). Checking the listener port from inside it proves READY=1 comes
    // after the bind.
    const record = fakeSystemdNotify();
    const r = await startRouterProcess(['--node', 'a=127.0.0.1:1', '--check', 'none', '--admin', '127.0.0.1:0']);
    router = r;
    const sent = await eventually(
      () => {
        try {
          const text = readFileSync(record, 'utf8');
          return text.includes('READY=1') ? text : undefined;
        } catch {
          return undefined;
        }
      },
      { what: 'READY=1' },
    );
    expect(sent).toMatch(
      new RegExp(
        `^/run/fake-notify\\.sock READY=1 STATUS=NO active Livy node; 0 connection\\(s\\) open, 0 waiting; listening on 127\\.0\\.0\\.1:${r.port}$`,
        'm',
      ),
    );
    expect(await r.stop('SIGTERM')).toBe(0);
    expect(readFileSync(record, 'utf8')).toMatch(/^\/run\/fake-notify\.sock STOPPING=1 /m);
  });

  it('keeps STATUS= current: the active node appears when the cluster model learns it', async () => {
    const record = fakeSystemdNotify();
    const node = await startBulkNode();
    try {
      const r = await startRouterProcess(['--node', `a=127.0.0.1:${node.port}`, '--check', 'none', '--admin', 'off']);
      router = r;
      const sent = () => {
        try {
          return readFileSync(record, 'utf8');
        } catch {
          return '';
        }
      };
      await eventually(() => sent().includes('READY=1'), { what: 'READY=1' });
      // With no checks, the first client that a node accepts makes that node the known active.
      const client = (await connectBulk(r.port)).socket;
      await eventually(() => / STATUS=active node: a; /.test(sent()), { what: 'STATUS= naming the active node' });
      client.destroy();
    } finally {
      await node.close();
    }
  });
});
