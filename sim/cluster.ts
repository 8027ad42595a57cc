// A simulated highly available Livy cluster: several SimNodes, exactly one leader (or none).
import { pino, type Logger } from 'pino';
import { SimNode } from './node.js';
import type { SimNodeOptions } from './options.js';

export type { BinaryPassiveStyle, HttpPassiveStyle, PassiveStyle, SimNodeOptions } from './options.js';
export { SimNode, startSimNode, type SimNodeStats, type SimRole } from './node.js';

export interface SimClusterOptions {
  nodes: SimNodeOptions[];
  /** The first leader; default the first node; null starts with no leader. */
  active?: string | null;
  logger?: Logger;
}

export class SimCluster {
  readonly nodes: SimNode[];
  private readonly logger: Logger;

  constructor(nodes: SimNode[], logger: Logger) {
    this.nodes = nodes;
    this.logger = logger;
  }

  node(name: string): SimNode {
    const found = this.nodes.find((n) => n.name === name);
    if (!found) throw new Error(`sim cluster has no node named ${name} (nodes: ${this.nodes.map((n) => n.name).join(', ')})`);
    return found;
  }

  /** The node whose role is leader, alive or not (a killed leader stays leader until setActive). */
  active(): SimNode | undefined {
    return this.nodes.find((n) => n.role === 'leader');
  }

  /**
   * Make `name` the only leader (null: no leader). The old leader steps down before the new one
   * takes over, so there are never two. A 'refuse' node's Thrift port reopens asynchronously (a
   * bind on the loopback address, done within the tick in practice): await settled() to be sure.
   */
  setActive(name: string | null): void {
    const leader = name === null ? undefined : this.node(name);
    for (const node of this.nodes) {
      if (node !== leader && node.role === 'leader') node.setRole('follower', leader?.restUrl, leader?.thriftBaseUrl);
    }
    for (const node of this.nodes) {
      if (node === leader) node.setRole('leader');
      else node.setRole('follower', leader?.restUrl, leader?.thriftBaseUrl);
    }
    this.logger.info({ active: name }, 'sim cluster leader set');
  }

  /** Resolves when every node has applied every role change and lifecycle step asked so far. */
  async settled(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.settled()));
  }

  /** Close every node: no listener, socket or timer of the cluster stays open. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
  }
}

export async function startSimCluster(opts: SimClusterOptions): Promise<SimCluster> {
  const logger = opts.logger ?? pino({ level: 'silent' });
  const names = new Set<string>();
  for (const n of opts.nodes) {
    if (names.has(n.name)) throw new Error(`sim cluster: duplicate node name ${n.name}`);
    names.add(n.name);
  }
  const nodes = opts.nodes.map((n) => new SimNode(n, logger));
  const cluster = new SimCluster(nodes, logger);
  try {
    await Promise.all(nodes.map((n) => n.start()));
    const active = opts.active === undefined ? (nodes[0]?.name ?? null) : opts.active;
    cluster.setActive(active);
    await cluster.settled();
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}
