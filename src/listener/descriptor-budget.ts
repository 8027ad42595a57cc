import { readdirSync, readFileSync } from 'node:fs';
import type { RouterConfig } from '../config/schema.js';
import { REST_IDLE_SOCKETS_PER_NODE } from '../config/rest-schema.js';
import type { Logger } from '../log.js';
import { REFUSALS_WAITING_IN_ALL } from './refusal-gate.js';

/** Requests the admin endpoint serves at once (probes, a scraper's keep-alive connection, `status`); more wait in the backlog. */
export const ADMIN_MAX_CONNECTIONS = 16;

/** One thing in the router that holds file descriptors, and how many at most. */
export interface DescriptorConsumer {
  readonly name: string;
  readonly count: number;
}

export interface DescriptorBudget {
  /** The process's descriptor limit (the hard one: Node.js raises the soft limit to it at start). */
  readonly limit: number;
  /** Descriptors the router keeps for itself: the sum of `consumers`. */
  readonly reserved: number;
  /** Client connections that fit, over every listener: 2 descriptors each (client and node socket). */
  readonly clients: number;
  readonly consumers: readonly DescriptorConsumer[];
}

/**
 * The hard "Max open files" of this process from /proc/self/limits; undefined where it cannot be
 * read (not Linux) or is unlimited. Node.js has no getrlimit, and it raises the soft limit to the
 * hard one when it starts, so the hard limit is the one that counts.
 */
export function readDescriptorLimit(limitsFile = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  const hard = m ? Number(m[2]) : NaN;
  return Number.isSafeInteger(hard) && hard > 0 ? hard : undefined;
}

/** Descriptors open now (stdio, the event loop, the log's worker): the runtime's own share, measured. */
export function countOpenDescriptors(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return undefined;
  }
}

/**
 * What the router holds besides its clients, from the config. Later features that hold sockets
 * (a REST listener, a Cloudera Manager poller, ready node connections) add their line here.
 * `openAtStart`: descriptors open before any listener was bound.
 */
export function descriptorConsumers(config: RouterConfig, openAtStart: number): DescriptorConsumer[] {
  const checkSockets = config.health.kind === 'none' ? 0 : 2; // one kept open, one being replaced
  const consumers: DescriptorConsumer[] = [
    { name: 'Node.js runtime, stdio and log (open at start)', count: openAtStart },
    { name: 'runtime growth (worker threads, DNS, config reads on reload)', count: 8 },
    { name: 'client listeners', count: config.listeners.length },
    { name: 'admin endpoint (listener and requests)', count: config.admin.enabled ? 1 + ADMIN_MAX_CONNECTIONS : 0 },
    { name: 'health checks (2 per node)', count: config.nodes.length * checkSockets },
    { name: 'ZooKeeper registration', count: config.discovery.zookeeper ? 2 : 0 },
    // One poll at a time; a connection being replaced while the next opens.
    { name: 'Cloudera Manager poller', count: config.clouderaManager ? 2 : 0 },
    // Its clients and their node connections are clients of the budget; idle pooled ones are not.
    { name: 'REST listener and its idle node connections', count: config.rest ? 1 + config.nodes.length * REST_IDLE_SOCKETS_PER_NODE : 0 },
    { name: 'clients refused over a limit, waiting for their first bytes', count: REFUSALS_WAITING_IN_ALL },
    // One more while a used or expired one is being replaced.
    { name: 'ready connections to the active node', count: config.readyConnections.count > 0 ? config.readyConnections.count + 1 : 0 },
  ];
  // Sockets closing while their replacement opens (a node trial moving on, a session ending).
  consumers.push({ name: 'reserve', count: 16 + Math.ceil(total(consumers) * 0.1) });
  return consumers;
}

export function descriptorBudget(limit: number, consumers: readonly DescriptorConsumer[]): DescriptorBudget {
  const reserved = total(consumers);
  return { limit, reserved, clients: Math.max(0, Math.floor((limit - reserved) / 2)), consumers };
}

function total(consumers: readonly DescriptorConsumer[]): number {
  return consumers.reduce((sum, c) => sum + c.count, 0);
}

/**
 * The budget for `config`, logged: at info always, at warn when maxClientConnections over every
 * listener does not fit (then the budget, not the listeners' limits, is what refuses clients).
 * Undefined, logged at info, when the limit cannot be read: nothing is enforced then.
 */
export function planDescriptors(config: RouterConfig, openAtStart: number, log: Logger, limit = readDescriptorLimit()): DescriptorBudget | undefined {
  if (limit === undefined) {
    log.info('descriptor limit unknown (no /proc/self/limits): no descriptor budget enforced');
    return undefined;
  }
  const budget = descriptorBudget(limit, descriptorConsumers(config, openAtStart));
  const consumers = Object.fromEntries(budget.consumers.map((c) => [c.name, c.count]));
  log.info(
    { descriptorLimit: limit, reserved: budget.reserved, clientBudget: budget.clients, consumers },
    `descriptor budget: ${budget.clients} client connections (open files limit ${limit}, 2 per client, ${budget.reserved} kept for the router itself)`,
  );
  const wanted = config.maxClientConnections * config.listeners.length;
  if (wanted > budget.clients) {
    const needed = budget.reserved + 2 * wanted;
    log.warn(
      { descriptorLimit: limit, clientBudget: budget.clients, maxClientConnections: config.maxClientConnections, listeners: config.listeners.length },
      `maxClientConnections ${config.maxClientConnections} x ${config.listeners.length} listener(s) does not fit the open files limit ${limit}: ` +
        `past ${budget.clients} client connections the router refuses clients; raise LimitNOFILE to ${needed} or lower maxClientConnections`,
    );
  }
  return budget;
}
