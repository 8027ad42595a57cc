import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/validate.js';
import { applyCliFlags, splitHostPort } from '../src/config/cli-overrides.js';
import { CLI } from './helpers/router-process.js';
import { copyCliTo } from './helpers/readable-copy.js';

describe('config validation', () => {
  it('fills defaults and freezes the result', () => {
    const v = validateConfig({ nodes: [{ host: 'livy1' }, { name: 'b', host: 'livy2', port: 10091 }] });
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.config.nodes[0]).toMatchObject({ name: 'livy1:10090', port: 10090, restPort: 8998 });
    expect(v.config.listeners).toEqual([{ host: '0.0.0.0', port: 10090, transport: 'auto' }]);
    expect(v.config.onActiveLost).toBe('close');
    expect(Object.isFrozen(v.config.nodes[0])).toBe(true);
  });

  it('reports every problem with its path', () => {
    const v = validateConfig({
      listeners: [{ port: 70000 }],
      nodes: [
        { host: 'a', port: 0 },
        { host: 'b', port: 'x' },
        { host: 'a', port: 1 },
        { host: 'a', port: 1 },
      ],
      handshake: { timeoutMs: 0 },
      surprise: true,
    });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.problems).toEqual(
      expect.arrayContaining([
        'listeners[0].port: must be 0-65535',
        'nodes[0].port: must be 1-65535',
        'nodes[1].port: must be a number 1-65535',
        'handshake.timeoutMs: must be at least 1',
        'surprise: unknown option',
      ]),
    );
  });

  it('refuses duplicate node names and addresses', () => {
    const v = validateConfig({ nodes: [{ name: 'x', host: 'a' }, { name: 'x', host: 'b' }, { host: 'a' }] });
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.problems).toContain('nodes[1].name: "x" is already used by nodes[0]');
    expect(v.problems).toContain('nodes[2]: a:10090 is already listed as nodes[0]');
  });
});

describe('what people write that the schema does not expect', () => {
  const problems = (input: unknown) => {
    const v = validateConfig(input);
    return v.ok ? [] : v.problems;
  };

  it('no nodes (a missing or empty file) says what to add, once', () => {
    const expected = 'nodes: no Livy nodes configured: add `nodes:` to the config file or give --node [NAME=]HOST:PORT[,rest=RESTPORT]';
    expect(problems({})).toEqual([expected]);
    expect(problems({ nodes: null })).toEqual([expected]);
    expect(problems({ nodes: [] })).toEqual([expected]);
  });

  it('accepts a node written as [NAME=]HOST:PORT[,rest=PORT], and explains one that is not', () => {
    const v = validateConfig({ nodes: ['livy-1=h1:10091,rest=8999', 'h2:10090'] });
    expect(v.ok && v.config.nodes.map((n) => [n.name, n.host, n.port, n.restPort])).toEqual([
      ['livy-1', 'h1', 10091, 8999],
      ['h2:10090', 'h2', 10090, 8998],
    ]);
    expect(problems({ nodes: ['h1:10090', 'livy2.example.com'] })).toEqual(['nodes[1]: "livy2.example.com": expected [NAME=]HOST:PORT[,rest=RESTPORT]']);
  });

  it('suggests the option an unknown key most likely meant', () => {
    expect(problems({ nodes: [{ host: 'a', rest_port: 1 }], holdms: 5, health: { intervalMS: 3 }, colour: true })).toEqual([
      'nodes[0].rest_port: unknown option (did you mean restPort?)',
      'health.intervalMS: unknown option (did you mean intervalMs?)',
      'holdms: unknown option (did you mean holdMs?)',
      'colour: unknown option',
    ]);
  });

  it('catches an admin port that a listener uses too, unless the admin endpoint is off', () => {
    expect(problems({ nodes: ['a:1'], listeners: [{ host: '127.0.0.1', port: 9090 }] })).toEqual([
      'admin.port: 9090 is also the port of listeners[0] (127.0.0.1:9090); give the admin endpoint another port or turn it off (admin: off)',
    ]);
    expect(problems({ nodes: ['a:1'], listeners: [{ host: '10.0.0.1', port: 9090 }] })).toEqual([]);
    const off = validateConfig({ nodes: ['a:1'], listeners: [{ port: 9090 }], admin: 'off' });
    expect(off.ok && off.config.admin.enabled).toBe(false);
  });

  it("--admin off turns the endpoint off, --admin HOST:PORT turns a file's `admin: off` back on", () => {
    const off = validateConfig(applyCliFlags({ nodes: ['a:1'] }, { admin: 'off' }).values);
    expect(off.ok && off.config.admin.enabled).toBe(false);
    const on = validateConfig(applyCliFlags({ nodes: ['a:1'], admin: 'off' }, { admin: '127.0.0.1:9191' }).values);
    expect(on.ok && on.config.admin).toMatchObject({ host: '127.0.0.1', port: 9191, enabled: true });
  });
});

describe('command-line flags', () => {
  it('parses --node and --listen, with IPv6 and options', () => {
    expect(splitHostPort('[::1]:10090')).toEqual({ host: '::1', port: 10090 });
    const { values, problems } = applyCliFlags(
      {},
      {
        node: ['livy-1=10.0.0.5:10090,rest=8999', 'h2:10091'],
        listen: ['127.0.0.1:0,transport=binary'],
        check: 'tcp',
      },
    );
    expect(problems).toEqual([]);
    const v = validateConfig(values);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.config.nodes.map((n) => [n.name, n.host, n.port, n.restPort])).toEqual([
      ['livy-1', '10.0.0.5', 10090, 8999],
      ['h2:10091', 'h2', 10091, 8998],
    ]);
    expect(v.config.listeners[0]).toEqual({ host: '127.0.0.1', port: 0, transport: 'binary' });
    expect(v.config.health.kind).toBe('tcp');
  });

  it('names the flag when it cannot be parsed', () => {
    const { problems } = applyCliFlags({}, { node: ['nohost', 'a=b:1,color=red'] });
    expect(problems).toEqual([
      '--node "nohost": expected [NAME=]HOST:PORT[,rest=RESTPORT]',
      '--node "a=b:1,color=red": unknown option "color=red" (allowed: rest=...)',
    ]);
  });

  it('check-config prints each problem with its path and exits 1; 0 when valid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lr-config-'));
    try {
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'nodes:\n  - host: a\n  - host: b\n    port: 99999\n');
      const r1 = spawnSync(process.execPath, [CLI, 'check-config', '--config', bad], { encoding: 'utf8' });
      expect(r1.status).toBe(1);
      expect(r1.stderr).toContain('nodes[1].port: must be 1-65535');
      const good = join(dir, 'good.yaml');
      writeFileSync(good, 'nodes:\n  - host: a\n');
      const r2 = spawnSync(process.execPath, [CLI, 'check-config', '--config', good], { encoding: 'utf8' });
      expect(r2.status).toBe(0);
      const missing = spawnSync(process.execPath, [CLI, 'check-config', '--config', join(dir, 'nope.yaml')], { encoding: 'utf8' });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toContain('cannot read the file: ENOENT');
      const empty = join(dir, 'empty.yaml');
      writeFileSync(empty, '');
      const r3 = spawnSync(process.execPath, [CLI, 'check-config', '--config', empty], { encoding: 'utf8' });
      expect(r3.status).toBe(1);
      expect(r3.stderr).toContain('no Livy nodes configured: add `nodes:` to the config file or give --node');
      if (process.getuid?.() === 0) {
        // Only root can run the CLI as another user; the message must name both sides. The CLI runs
        // from a copy in the temp dir: uid 65534 may not be able to read the checkout itself.
        const secret = join(dir, 'secret.yaml');
        writeFileSync(secret, 'nodes: [a:1]\n', { mode: 0o640 });
        chmodSync(dir, 0o755);
        const cli = copyCliTo(dir);
        const denied = spawnSync(process.execPath, [cli, 'check-config', '--config', secret], { encoding: 'utf8', uid: 65534, gid: 65534, cwd: dir });
        expect(denied.status).toBe(1);
        expect(denied.stderr).toContain('cannot read the file: EACCES (the process runs as uid 65534 gid 65534; the file is mode 0640, owner uid 0 gid 0)');
      }
      const example = spawnSync(process.execPath, [CLI, 'check-config', '--config', 'config/livy-router.example.yaml'], { encoding: 'utf8' });
      expect(example.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('settings that do not do what they say', () => {
  it('the example config shows every option that has a default', () => {
    const example = parseYaml(readFileSync('config/livy-router.example.yaml', 'utf8')) as Record<string, unknown>;
    const v = validateConfig({ nodes: [{ host: 'a' }] });
    if (!v.ok) throw new Error(v.problems.join('\n'));
    const missing: string[] = [];
    const walk = (value: unknown, shown: unknown, path: string) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
      for (const [k, v2] of Object.entries(value)) {
        const there = typeof shown === 'object' && shown !== null ? (shown as Record<string, unknown>)[k] : undefined;
        // An empty default (discovery: {}) is an optional block, shown commented out.
        const emptyBlock = typeof v2 === 'object' && v2 !== null && Object.keys(v2).length === 0;
        if (there === undefined && !emptyBlock) missing.push(`${path}${k}`);
        else walk(v2, there, `${path}${k}.`);
      }
    };
    walk(v.config, example, '');
    expect(missing).toEqual([]);
  });

  it('warns when handshake.timeoutMs is set above handshake.deadlineMs, which caps it; never about the defaults', () => {
    const nodes = [{ host: 'a' }];
    const raised = validateConfig({ nodes, handshake: { timeoutMs: 30000 } });
    expect(raised.ok && raised.warnings).toEqual([
      "handshake.timeoutMs: 30000 is longer than handshake.deadlineMs (10000), which caps a client's whole handshake from accept to commit: a node gets at most 10000 ms; raise handshake.deadlineMs too",
    ]);
    const both = validateConfig({ nodes, handshake: { timeoutMs: 30000, deadlineMs: 40000 } });
    expect(both.ok && both.warnings).toEqual([]);
    const defaults = validateConfig({ nodes });
    expect(defaults.ok && defaults.warnings).toEqual([]);
    const dir = mkdtempSync(join(tmpdir(), 'lr-warn-'));
    try {
      const file = join(dir, 'c.yaml');
      writeFileSync(file, 'nodes: [a:1]\nhandshake: { timeoutMs: 30000 }\n');
      const r = spawnSync(process.execPath, [CLI, 'check-config', '--config', file], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stderr).toContain(`${file}: warning: handshake.timeoutMs: 30000 is longer than handshake.deadlineMs (10000)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
