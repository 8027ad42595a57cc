// The demo runs the simulated Livy cluster (sim/) and a real client (hive-driver). Both come with a
// checkout of the repository, not with the npm package, so they are loaded only when the demo
// starts, and a missing one is reported as such instead of as a module-not-found stack.
import { RouterError } from '../errors.js';
import type { startSimCluster } from '../../sim/cluster.js';
import type { openHiveSession, queryNode } from '../../sim/hive-client.js';
import type { startSimClouderaManager } from '../../sim/cloudera-manager.js';

export interface Simulator {
  startSimCluster: typeof startSimCluster;
  queryNode: typeof queryNode;
  openHiveSession: typeof openHiveSession;
  startSimClouderaManager: typeof startSimClouderaManager;
}

export class DemoUnavailableError extends RouterError {
  constructor(cause: Error) {
    super(
      'LR_DEMO_UNAVAILABLE',
      'the demo needs the simulated Livy cluster (sim/) and the hive-driver package, which come with a ' +
        'checkout of the livy-router repository, not with the installed package: in a checkout run ' +
        `\`npm ci && npx livy-router demo\` (${cause.message.split('\n')[0]})`,
      { cause },
    );
  }
}

export async function loadSimulator(): Promise<Simulator> {
  try {
    const [cluster, client, cm] = await Promise.all([
      import('../../sim/cluster.js'),
      import('../../sim/hive-client.js'),
      import('../../sim/cloudera-manager.js'),
    ]);
    return {
      startSimCluster: cluster.startSimCluster,
      queryNode: client.queryNode,
      openHiveSession: client.openHiveSession,
      startSimClouderaManager: cm.startSimClouderaManager,
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') throw new DemoUnavailableError(err as Error);
    throw err;
  }
}
