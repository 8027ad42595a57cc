import { execFile } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, startRouterProcess, type RouterProcess } from '../helpers/router-process.js';
import { connectBulk, startBulkNode, type BulkNode } from '../helpers/bulk-node.js';
import { eventually } from '../helpers/eventually.js';
import { findLine } from './helpers.js';

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 15_000, env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** A free port among those fetch() refuses ("bad port"), so the test shows status does not use fetch. */
async function freeBadPort(): Promise<number> {
  for (const port of [6000, 6665, 6666, 6667, 6668, 6669, 6697, 10080]) {
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('none of the ports fetch() refuses is free here');
}

describe('two routers on one host, and finding the admin endpoint', () => {
  let node: BulkNode | undefined;
  const routers: RouterProcess[] = [];
  afterEach(async () => {
    await Promise.all(routers.splice(0).map((r) => r.stop('SIGKILL')));
    await node?.close();
  });

  it('two routers with --admin off both run and both route', async () => {
    node = await startBulkNode();
    const args = ['--node', `a=127.0.0.1:${node.port}`, '--check', 'none', '--admin', 'off'];
    routers.push(await startRouterProcess(args), await startRouterProcess(args));
    for (const r of routers) {
      const banner = await eventually(() => findLine(r.lines, /^livy-router \S+ started/), { what: 'the banner' });
      expect(banner.admin).toBe('off');
      expect(findLine(r.lines, 'admin listening')).toBeUndefined();
      (await connectBulk(r.port)).socket.destroy();
    }
    const bulk = node;
    expect(await eventually(() => (bulk.received.length >= 2 ? bulk.received.length : undefined), { what: 'both connections at the node' })).toBe(2);
  });

  it('a second router on a taken admin port exits 1 with a message naming the options', async () => {
    node = await startBulkNode();
    const first = await startRouterProcess(['--node', `a=127.0.0.1:${node.port}`, '--check', 'none', '--admin', '127.0.0.1:0']);
    routers.push(first);
    const taken = String((await eventually(() => findLine(first.lines, 'admin listening'), { what: 'admin listening' })).address);
    const second = await run(['run', '--listen', '127.0.0.1:0', '--node', `a=127.0.0.1:${node.port}`, '--check', 'none', '--admin', taken]);
    expect(second.code).toBe(1);
    const fatal = second.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.level === 60);
    expect(String(fatal?.msg)).toContain(`cannot bind the admin endpoint on ${taken}: EADDRINUSE`);
    expect(String(fatal?.msg)).toContain('set another admin.port in the config or --admin HOST:PORT, or turn it off with admin: off / --admin off');
  });

  it('a second router on a taken client port exits 1 naming the port and the fix; no stack, pretty or JSON', async () => {
    node = await startBulkNode();
    const first = await startRouterProcess(['--node', `a=127.0.0.1:${node.port}`, '--check', 'none', '--admin', 'off']);
    routers.push(first);
    const taken = `127.0.0.1:${first.port}`;
    const args = ['run', '--listen', taken, '--node', `a=127.0.0.1:${node.port}`, '--check', 'none', '--admin', 'off'];
    const json = await run(args);
    expect(json.code).toBe(1);
    const fatal = json.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.level === 60);
    expect(fatal).toMatchObject({ code: 'LR_LISTENER_BIND' });
    expect(fatal?.err).toBeUndefined();
    expect(String(fatal?.msg)).toBe(
      `cannot start: cannot listen for clients on ${taken}: EADDRINUSE (another process has the port: another livy-router, or a Livy server on this host, perhaps); ` +
        'set another port in listeners: in the config or --listen HOST:PORT',
    );
    const pretty = await run([...args, '--log-pretty']);
    expect(pretty.code).toBe(1);
    expect(pretty.stdout).toContain(`cannot listen for clients on ${taken}: EADDRINUSE`);
    expect(pretty.stdout + pretty.stderr).not.toMatch(/\n\s+at /);
  });

  it('`status` reads LIVY_ROUTER_ADMIN and works on a port fetch() refuses; --healthz answers for HEALTHCHECK', async () => {
    node = await startBulkNode();
    const port = await freeBadPort();
    const r = await startRouterProcess(['--node', `a=127.0.0.1:${node.port}`, '--check', 'none', '--admin', `127.0.0.1:${port}`]);
    routers.push(r);
    await eventually(() => findLine(r.lines, 'admin listening'), { what: 'admin listening' });
    const env = { ...process.env, LIVY_ROUTER_ADMIN: `127.0.0.1:${port}` };
    const status = await run(['status'], env);
    expect(status.stderr).toBe('');
    // No client yet and no checks: no node is known active (exit 2), but the router answered.
    expect(status.code).toBe(2);
    expect(status.stdout).toContain(`livy-router at http://127.0.0.1:${port}`);
    expect(await run(['status', '--healthz'], env)).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
    await r.stop();
    const down = await run(['status', '--healthz'], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`cannot read http://127.0.0.1:${port}/healthz: connect ECONNREFUSED`);
  });
});
