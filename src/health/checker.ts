import type { Logger } from '../log.js';
import type { NodeConfig } from '../config/schema.js';
import type { CheckConfig } from '../config/health-schema.js';

/**
 * What one check says of a node. `alive` means the node answers but the check cannot tell its
 * role (a tcp check, or probe credentials the node rejects): such a result never takes the
 * active role away, and never gives it.
 */
export type CheckState = 'active' | 'passive' | 'down' | 'alive';

export interface CheckOutcome {
  readonly state: CheckState;
  readonly reason: string;
  /** A passive node named the active one (REST 307 Location): worth checking that node now. */
  readonly activeHint?: { readonly host: string; readonly port: number };
  /** The check itself looks misconfigured (credentials, path): logged at warn, not only info. */
  readonly misconfigured?: boolean;
}

/**
 * One node's checker of one kind. `check()` never rejects and settles within the configured
 * timeoutMs (plus scheduling jitter); `close()` releases every socket it holds.
 */
export interface Checker {
  check(): Promise<CheckOutcome>;
  close(): Promise<void>;
}

export interface CheckerContext {
  readonly node: NodeConfig;
  readonly check: CheckConfig;
  readonly log: Logger;
  /** The checker's own kept-open connection closed between checks: the node may be gone. */
  readonly onProbeLost: () => void;
}

/** The node's check settings: the cluster-wide ones with its own overrides on top. */
export function effectiveCheck(cluster: CheckConfig, node: NodeConfig): CheckConfig {
  return { ...cluster, ...(node.check ?? {}) };
}
