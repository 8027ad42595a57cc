import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import { HealthMonitor, type CheckDone } from './monitor.js';

/** A running monitor of `config`'s nodes with its own child logger; every finished check goes to `onCheckDone`. */
export function startMonitor(config: RouterConfig, cluster: ClusterState, log: Logger, onCheckDone: (done: CheckDone) => void): HealthMonitor {
  const monitor = new HealthMonitor(config.nodes, config.health, cluster, log.child({ component: 'health' }), { onCheckDone });
  monitor.start();
  return monitor;
}
