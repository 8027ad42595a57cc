// The Cloudera Manager stand-in as its own process, stopped after the test (helpers/registry.ts),
// and what a test needs around it: roles pointing at sim Livy nodes, a config file, a password file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimCmRole, SimCmState } from '../../sim/cloudera-manager.js';
import { spawnSimCm, type SimCmProcess, type SpawnSimCmOptions } from '../../sim/cloudera-manager-spawn.js';
import { onStop } from './registry.js';

export const SIM_CM_SCRIPT = fileURLToPath(new URL('../../dist/sim/cloudera-manager-process.js', import.meta.url));
export const CM_USER = 'livy-router-ro';
export const CM_PASSWORD = 'cm-Secret-7f3a9';

export async function startSimCm(opts: Omit<SpawnSimCmOptions, 'script' | 'users'> & { users?: Record<string, string> }): Promise<SimCmProcess> {
  const cm = await spawnSimCm({ users: { [CM_USER]: CM_PASSWORD }, ...opts, script: SIM_CM_SCRIPT });
  onStop(() => cm.stop());
  return cm;
}

/** One Livy for Spark 3 service in one cluster, plus an HDFS service and a gateway role to skip. */
export function cmState(roles: SimCmRole[]): SimCmState {
  return {
    apiVersion: 'v54',
    clusters: ['Cluster 1'],
    services: [
      { name: 'hdfs', type: 'HDFS' },
      { name: 'livy_for_spark3', type: 'LIVY_FOR_SPARK3' },
    ],
    roles: [...roles, { name: 'livy_for_spark3-GATEWAY-1', type: 'GATEWAY', hostId: 'host-gw', hostname: 'gw.example.com' }],
  };
}

/** A started, commissioned Livy server role on `hostname` with these ports. */
export function livyRole(name: string, hostname: string, thriftPort: number, restPort: number, extra: Partial<SimCmRole> = {}): SimCmRole {
  return { name, type: 'LIVY_SERVER_FOR_SPARK3', hostId: `host-${name}`, hostname, thriftPort, restPort, ...extra };
}

/** A folder with the password file and a config file holding a clouderaManager block. */
export function cmConfigFiles(url: string, extra: string[] = [], password = CM_PASSWORD): { dir: string; config: string; passwordFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'livy-router-cm-'));
  const passwordFile = join(dir, 'cm-password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'clouderaManager:',
      `  url: ${url}`,
      `  user: ${CM_USER}`,
      `  passwordFile: ${passwordFile}`,
      '  pollIntervalMs: 500',
      '  timeoutMs: 400',
      'admin: { host: 127.0.0.1, port: 0 }',
      'shutdownGraceMs: 500',
      ...extra,
    ].join('\n'),
  );
  return { dir, config, passwordFile };
}
