import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { eventually } from '../helpers/eventually.js';
import { CLI, startRouterProcess } from '../helpers/router-process.js';
import { startSimCluster } from '../helpers/sim.js';
import { CM_USER, cmConfigFiles, cmState, livyRole, startSimCm } from '../helpers/cloudera-manager.js';
import { adminStatus, findLine } from '../ops/helpers.js';

const R = 'livy_for_spark3-LIVY_SERVER_FOR_SPARK3-';

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 15_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

const problems = (input: unknown) => {
  const v = validateConfig(input);
  return v.ok ? [] : v.problems;
};

describe('the clouderaManager block', () => {
  const cm = { url: 'https://cm.example.com:7183', user: 'ro', passwordFile: '/etc/livy-router/cm-password' };

  it('is validated with paths: https (http only to loopback), no credentials in the URL, not with nodes', () => {
    const v = validateConfig({ clouderaManager: cm });
    expect(v.ok && v.config.clouderaManager).toMatchObject({ pollIntervalMs: 60_000, timeoutMs: 10_000, allowedHosts: [] });
    expect(v.ok && v.config.nodes).toEqual([]);
    expect(problems({ clouderaManager: { ...cm, url: 'http://127.0.0.1:7180' } })).toEqual([]);
    expect(problems({ clouderaManager: { ...cm, url: 'http://cm.example.com:7180' } })).toEqual([
      'clouderaManager.url: must be https:// (plain http:// only to a loopback address: the CM password is sent with every request)',
    ]);
    expect(problems({ clouderaManager: { ...cm, url: 'https://ro:pw@cm.example.com' } })).toEqual([
      'clouderaManager.url: must not contain credentials: use user and passwordFile',
    ]);
    expect(problems({ clouderaManager: { ...cm, password: 'x' } })).toEqual([
      'clouderaManager.password: never in the config file: write it to a file readable by the router only and give passwordFile',
    ]);
    expect(problems({ clouderaManager: cm, nodes: ['h:1'] })).toEqual([
      'nodes: give nodes or clouderaManager, not both (with clouderaManager the Livy nodes come from Cloudera Manager)',
    ]);
    expect(problems({ clouderaManager: { ...cm, allowedHosts: ['*.example.com', 'a b'] } })).toEqual([
      'clouderaManager.allowedHosts[1]: must be a host name pattern (letters, digits, . _ - and the wildcards * ?)',
    ]);
  });

  it('check-config names the source and refuses an unreadable password file; --cm-* flags fill the block', async () => {
    const files = cmConfigFiles('https://cm.example.com:7183');
    const ok = await cli(['check-config', '--config', files.config]);
    expect(ok).toMatchObject({ code: 0, stdout: expect.stringContaining('nodes (binary): from Cloudera Manager https://cm.example.com:7183') });
    const missing = await cli(['check-config', '--config', files.config, '--cm-password-file', join(files.dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`clouderaManager: cannot read the Cloudera Manager password from ${join(files.dir, 'nope')}: ENOENT`);
    const flags = await cli(['check-config', '--cm-url', 'https://cm2.example.com', '--cm-user', 'ro', '--cm-password-file', files.passwordFile]);
    expect(flags).toMatchObject({ code: 0, stdout: expect.stringContaining('from Cloudera Manager https://cm2.example.com') });
    const alone = await cli(['check-config', '--cm-user', 'ro']);
    expect(alone.stderr).toContain('--cm-user: needs --cm-url URL or clouderaManager in the config file');
  });
});

describe('livy-router discover, and SIGHUP with a clouderaManager block', () => {
  it('prints the list it would use and why each role was kept or skipped', async () => {
    const cm = await startSimCm({
      state: cmState([
        livyRole(`${R}b`, 'livy2.example.com', 10090, 8998, { hideHostname: true }),
        livyRole(`${R}a`, 'livy1.example.com', 10091, 8999, { maintenanceMode: true, restPort: null }),
        livyRole(`${R}c`, 'livy3.example.com', 10090, 8998, { commissionState: 'DECOMMISSIONED' }),
        livyRole(`${R}d`, 'elsewhere.example.org', 10090, 8998),
        // The Thrift settings only in the generated livy.conf, not in the role config.
        livyRole(`${R}e`, 'livy5.example.com', 10093, 8997, { thriftOnlyInLivyConf: true }),
      ]),
    });
    const files = cmConfigFiles(cm.url);
    const out = await cli(['discover', '--cm-url', cm.url, '--cm-user', CM_USER, '--cm-password-file', files.passwordFile, '--cluster', 'Cluster 1']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`Cloudera Manager ${cm.url} (API v54), cluster Cluster 1, service livy_for_spark3 (LIVY_FOR_SPARK3)`);
    expect(out.stdout).toContain(
      `  ${R}a  livy1.example.com:10091  rest 8998  binary  (maintenance)\n  ${R}b  livy2.example.com:10090  rest 8998  binary\n  ${R}d`,
    );
    expect(out.stdout).toContain(`  ${R}e  livy5.example.com:10093  rest 8997  binary\n`);
    expect(out.stdout).toContain(`SKIP  ${R}c  LIVY_SERVER_FOR_SPARK3  livy3.example.com: role DECOMMISSIONED, not COMMISSIONED`);
    expect(out.stdout).toContain('SKIP  livy_for_spark3-GATEWAY-1  GATEWAY  gw.example.com: not a Livy server role (GATEWAY)');
    const asJson = await cli(['discover', '--config', files.config, '--json']);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ cluster: 'Cluster 1', nodes: expect.arrayContaining([expect.objectContaining({ role: `${R}d` })]) });
    writeFileSync(files.config, `${readFileSync(files.config, 'utf8').replace('  pollIntervalMs', '  allowedHosts: ["*.example.com"]\n  pollIntervalMs')}`);
    const allowed = await cli(['discover', '--config', files.config]);
    expect(allowed.stdout).toContain(
      `SKIP  ${R}d  LIVY_SERVER_FOR_SPARK3  elsewhere.example.org: host elsewhere.example.org is outside clouderaManager.allowedHosts`,
    );
    const wrong = await cli(['discover', '--cm-url', cm.url, '--cm-user', 'nobody', '--cm-password-file', files.passwordFile, '--cluster', 'Cluster 2']);
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining('Cloudera Manager refused user nobody') });
  });

  it('SIGHUP re-reads the block and keeps the discovered list: no node removed, states kept', async () => {
    const cluster = await startSimCluster({ nodes: [{ name: 'a' }, { name: 'b' }], active: 'a' });
    const roles = cluster.nodes.map((n) => livyRole(`${R}${n.name}`, '127.0.0.1', n.thriftPort, n.restPort));
    const cm = await startSimCm({ state: cmState(roles) });
    const files = cmConfigFiles(cm.url, ['health: { kind: ha-status }']);
    const router = await startRouterProcess(['--config', files.config]);
    const admin = Number(
      String((await eventually(() => findLine(router.lines, 'admin listening'))).address)
        .split(':')
        .pop(),
    );
    const before = await eventually(async () => {
      const s = await adminStatus(admin);
      return s.active === `${R}a` && s;
    });
    router.child.kill('SIGHUP');
    const reloaded = await eventually(() => findLine(router.lines, 'configuration reloaded'));
    expect(reloaded).toMatchObject({ added: [], removed: [], changed: [], nodes: [`${R}a`, `${R}b`] });
    const after = await adminStatus(admin);
    expect(after.nodes.map((n) => [n.name, n.state, n.since])).toEqual(before.nodes.map((n) => [n.name, n.state, n.since]));
    expect(router.lines.filter((l) => l.to === 'down')).toEqual([]);
    expect(await router.stop()).toBe(0);
  });
});

describe('Cloudera Manager over https', () => {
  it('trusts CM only through caFile: without it the certificate is refused, with it the list is read', async () => {
    const tlsDir = fileURLToPath(new URL('../fixtures/tls', import.meta.url));
    const cm = await startSimCm({ state: cmState([livyRole(`${R}a`, 'livy1.example.com', 10090, 8998)]), tlsDir });
    expect(cm.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const files = cmConfigFiles(cm.url);
    const untrusted = await cli(['discover', '--config', files.config]);
    expect(untrusted).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/certificate at https:\/\/127\.0\.0\.1:\d+ is not trusted \([A-Z_]+\): set clouderaManager\.caFile/),
    });
    const trusted = await cli(['discover', '--config', files.config, '--cm-ca-file', join(tlsDir, 'cert.pem')]);
    expect(trusted.stderr).toBe('');
    expect(trusted).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`KEEP  ${R}a  LIVY_SERVER_FOR_SPARK3  livy1.example.com: STARTED and COMMISSIONED`),
    });
    // The running router reads through the same trust: its poll fails with the cause, then succeeds once the CA is given.
    const router = await startRouterProcess(['--config', files.config, '--log-level', 'info']);
    await eventually(() => router.lines.find((l) => l.cause === 'tls'), { what: 'the tls warning' });
    writeFileSync(files.config, readFileSync(files.config, 'utf8').replace('  pollIntervalMs', `  caFile: ${join(tlsDir, 'cert.pem')}\n  pollIntervalMs`));
    router.child.kill('SIGHUP');
    await eventually(() => findLine(router.lines, `node list: ${R}a added: role added on livy1.example.com:10090`), {
      what: 'the list read over https',
      timeoutMs: 8000,
    });
    expect(await router.stop()).toBe(0);
  });
});
