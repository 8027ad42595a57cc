import type { RouterConfig } from '../config/schema.js';
import { effectiveCheck, type Checker, type CheckerContext } from './checker.js';
import { HaStatusChecker } from './ha-status.js';
import { RestChecker } from './rest.js';
import { TcpChecker } from './tcp.js';
import { ThriftChecker } from './thrift.js';

/** The checker for the node's effective kind; undefined for `none`. */
export function createChecker(ctx: CheckerContext): Checker | undefined {
  switch (ctx.check.kind) {
    case 'ha-status':
      return new HaStatusChecker(ctx);
    case 'rest':
      return new RestChecker(ctx);
    case 'thrift':
      return new ThriftChecker(ctx);
    case 'tcp':
      return new TcpChecker(ctx);
    case 'none':
      return undefined;
  }
}

/** Kinds whose answers tell the active from a passive node (tcp and none cannot). */
export const ROLE_AWARE_KINDS: ReadonlySet<string> = new Set(['ha-status', 'rest', 'thrift']);

/** True when every node's health check can tell the active from a passive. */
export function roleAwareChecks(config: Pick<RouterConfig, 'health' | 'nodes'>): boolean {
  return config.nodes.every((n) => ROLE_AWARE_KINDS.has(effectiveCheck(config.health, n).kind));
}
