import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../src/config/validate.js';
import { applyCliFlags, splitHostPort } from '../src/config/cli-overrides.js';
import { CLI } from './helpers/router-process.js';

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
      nodes: [{ host: 'a', port: 0 }, { host: 'b', port: 'x' }, { host: 'a', port: 1 }, { host: 'a', port: 1 }],
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

describe('command-line flags', () => {
  it('parses --node and --listen, with IPv6 and options', () => {
    expect(splitHostPort('[::1]:10090')).toEqual({ host: '::1', port: 10090 });
    const { values, problems } = applyCliFlags({}, {
      node: ['livy-1=10.0.0.5:10090,rest=8999', 'h2:10091'],
      listen: ['127.0.0.1:0,transport=binary'],
      check: 'tcp',
    });
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
      const example = spawnSync(process.execPath, [CLI, 'check-config', '--config', 'config/livy-router.example.yaml'], { encoding: 'utf8' });
      expect(example.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
