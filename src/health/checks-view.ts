// What the rest of the router may ask the health checks (cluster/evidence.ts's ChecksView), read
// through a getter each time: the monitor is replaced on a reload.
import type { RouterConfig } from '../config/schema.js';
import type { ChecksView } from '../cluster/evidence.js';
import { roleAwareChecks } from './create-checker.js';
import type { HealthMonitor } from './monitor.js';

export function checksView(monitor: () => HealthMonitor, config: () => Pick<RouterConfig, 'health' | 'nodes'>): ChecksView {
  return {
    roleAware: () => monitor().size > 0 && roleAwareChecks(config()),
    verdict: (node) => monitor().verdict(node),
    checkNow: (node) => monitor().checkNow(node),
    freshCheck: (node, timeoutMs) => monitor().freshCheck(node, timeoutMs),
  };
}

/** No checks (a router built without a service, as tests do). */
export const NO_CHECKS: ChecksView = {
  roleAware: () => false,
  verdict: () => undefined,
  checkNow: () => {},
  freshCheck: () => Promise.resolve(undefined),
};
