import type { Router } from '../router.js';
import type { NodeState } from '../cluster/cluster-state.js';
import type { RegistrationStatus } from '../discovery/registration.js';
import type { ReadyStats } from '../upstream/ready-connections.js';
import type { NodeListStatus } from '../node-list/node-list.js';
import type { SessionReport } from '../session/session.js';

/** Sessions /status lists at most (with session.observe); `connections.open` gives the total. */
const MAX_LISTED_SESSIONS = 1000;

/** The last health check of one node, when a health monitor runs. */
export interface LastCheck {
  /** Epoch ms when the check finished. */
  readonly at: number;
  readonly latencyMs: number;
  readonly result: string;
  /** What the check saw, also when it could not tell the node's role. */
  readonly reason: string;
}

export interface ListenerStatus {
  readonly address: string;
  readonly transport: string;
}

export interface NodeStatusReport {
  name: string;
  address: string;
  restPort: number;
  state: NodeState;
  /** ISO time of the last state change. */
  since: string;
  reason: string;
  /** Committed client connections on this node now. */
  connections: number;
  /** Cloudera Manager has the role in maintenance mode (it still serves: kept in the list). */
  maintenance: boolean;
  lastCheck: { at: string; latencyMs: number; result: string; reason: string } | null;
}

/** The JSON of GET /status; `livy-router status` renders it as a table. */
export interface StatusReport {
  pid: number;
  startedAt: string;
  uptimeS: number;
  /** True once SIGTERM/SIGINT was received: no new clients, established ones finishing. */
  draining: boolean;
  active: string | null;
  healthCheck: string;
  listeners: ListenerStatus[];
  connections: { open: number; held: number };
  /**
   * The descriptor budget and its use: `limit` open files, `reserved` for the router itself,
   * `budget` client connections that fit, `clients` open now (handshakes and sessions); null when
   * the limit is not known.
   */
  descriptors: { limit: number; reserved: number; budget: number; clients: number } | null;
  /** Ready connections to the active node; `taken` counts only clients whose first message was complete. */
  readyConnections: ReadyStats;
  nodes: NodeStatusReport[];
  /** The ZooKeeper registration; null when `discovery.zookeeper` is not configured. */
  discovery: (Omit<RegistrationStatus, 'since'> & { since: string }) | null;
  /** Where the node list came from (the file or Cloudera Manager) and how old it is. */
  nodeList: NodeListStatus | null;
  /** With session.observe: each committed session and its calls (at most MAX_LISTED_SESSIONS). */
  sessions?: SessionReport[];
}

export interface StatusSources {
  readonly router: Router;
  readonly listeners: readonly ListenerStatus[];
  readonly startedAt: number;
  draining(): boolean;
  held(): number;
  /** Undefined for a node not checked yet, or when no health monitor runs. */
  lastCheck(node: string): LastCheck | undefined;
  discovery?(): RegistrationStatus | undefined;
  nodeList?(): NodeListStatus;
  maintenance?(node: string): boolean;
}

export function buildStatus(src: StatusSources, now = Date.now()): StatusReport {
  const { router } = src;
  const registration = src.discovery?.();
  const budget = router.descriptorBudget;
  const nodes = router.cluster.all().map((s): NodeStatusReport => {
    const check = src.lastCheck(s.config.name);
    return {
      name: s.config.name,
      address: `${s.config.host}:${s.config.port}`,
      restPort: s.config.restPort,
      state: s.state,
      since: new Date(s.since).toISOString(),
      // A check that cannot tell the role changes no state, so the model still holds its start-up
      // reason ("not checked yet"): say what the check saw instead.
      reason: check && s.source === 'config' ? `last check: ${check.reason}` : s.reason,
      connections: router.registry.count(s.config.name),
      maintenance: src.maintenance?.(s.config.name) ?? false,
      lastCheck: check ? { at: new Date(check.at).toISOString(), latencyMs: check.latencyMs, result: check.result, reason: check.reason } : null,
    };
  });
  return {
    pid: process.pid,
    startedAt: new Date(src.startedAt).toISOString(),
    uptimeS: Math.round((now - src.startedAt) / 1000),
    draining: src.draining(),
    active: router.cluster.active()?.config.name ?? null,
    healthCheck: router.currentConfig.health.kind,
    listeners: [...src.listeners],
    connections: { open: router.registry.count(), held: src.held() },
    descriptors: budget ? { limit: budget.limit, reserved: budget.reserved, budget: budget.clients, clients: router.admission.open } : null,
    readyConnections: router.ready.stats(),
    nodes,
    discovery: registration ? { ...registration, since: new Date(registration.since).toISOString() } : null,
    nodeList: src.nodeList?.() ?? null,
    ...(router.currentConfig.session.observe ? { sessions: router.registry.list(MAX_LISTED_SESSIONS).map((s) => s.report(now)) } : {}),
  };
}
