// The simulator's start functions, registered for stopping after the test (helpers/registry.ts).
import { fileURLToPath } from 'node:url';
import * as sim from '../../sim/cluster.js';
import * as hive from '../../sim/hive-client.js';
import * as spawn from '../../sim/spawn.js';
import { track } from './registry.js';

/** The compiled node-process.js; `npm test` builds dist/ before the tests run. */
export const SIM_NODE_SCRIPT = fileURLToPath(new URL('../../dist/sim/node-process.js', import.meta.url));

export async function startSimCluster(opts: sim.SimClusterOptions): Promise<sim.SimCluster> {
  return track(await sim.startSimCluster(opts));
}

export async function startSimNode(...args: Parameters<typeof sim.startSimNode>): Promise<sim.SimNode> {
  return track(await sim.startSimNode(...args));
}

export async function openHiveSession(target: hive.HiveTarget): Promise<hive.HiveSessionHandle> {
  return track(await hive.openHiveSession(target));
}

/** A sim node in its own OS process. */
export async function spawnSimNode(opts: Omit<spawn.SpawnSimNodeOptions, 'script'>): Promise<spawn.SimNodeProcess> {
  return track(await spawn.spawnSimNodeProcess({ ...opts, script: SIM_NODE_SCRIPT }));
}
