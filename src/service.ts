import type net from 'node:net';
import type { Logger } from './log.js';
import type { RouterConfig } from './config/schema.js';
import { Router } from './router.js';
import { noopObserver } from './observe.js';

/**
 * Everything one `livy-router run` process runs, composed once: the router (listeners, node
 * trials, sessions) and the parts that feed or observe it. The CLI, the demo and the tests all
 * start the router through here, so they run the same thing.
 */
export interface Service {
  readonly router: Router;
  readonly listenAddresses: net.AddressInfo[];
  /** Graceful stop: stop accepting, let connections finish up to `graceMs`, close the rest. */
  stop(graceMs?: number): Promise<void>;
}

export async function startService(config: RouterConfig, log: Logger): Promise<Service> {
  const router = new Router(config, log, noopObserver);
  const listenAddresses = await router.start();
  let stopping: Promise<void> | undefined;
  return {
    router,
    listenAddresses,
    stop: (graceMs = 0) => (stopping ??= router.stop(graceMs)),
  };
}
