import type { Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import { roleAwareChecks } from '../health/create-checker.js';
import type { Router } from '../router.js';
import { RestListener } from './rest-listener.js';

export type { RestListener };
import { RestMetrics } from './rest-metrics.js';

/**
 * The REST listener wired to the router's cluster model, per-source limit and health checks;
 * undefined when `rest` is not configured. Binding it after the Thrift listeners means a
 * start that fails here closes what was opened (the caller's job).
 */
export async function startRest(
  config: RouterConfig,
  router: Router,
  registry: Registry,
  log: Logger,
  checkNow: (node: string) => void,
): Promise<RestListener | undefined> {
  if (!config.rest) return undefined;
  return RestListener.start({
    config: () => router.currentConfig,
    cluster: router.cluster,
    admission: router.admission,
    limitRefused: (refusal, source, answering) => router.limitRefused(refusal, source, answering),
    // Role-aware checks announce the active node; without them the first node is tried and its 307 followed.
    roleAware: () => roleAwareChecks(router.currentConfig),
    checkNow,
    metrics: new RestMetrics(registry),
    log: log.child({ component: 'rest' }),
  });
}
