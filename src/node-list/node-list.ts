import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { NodeConfig, RouterConfig } from '../config/schema.js';
import type { CmFailure } from './cm-client.js';
import { ClouderaManagerPoller, readCmSecrets } from './cm-poller.js';
import type { DiscoveredNode, ListChange } from './cm-roles.js';

/** Where the node list in force came from and how old it is: part of GET /status. */
export interface NodeListStatus {
  source: 'config' | 'clouderaManager';
  /** ISO time the list was last confirmed: loaded from the file, or CM's last complete answer. */
  updatedAt: string | null;
  ageS: number | null;
  clouderaManager: {
    url: string;
    cluster: string | null;
    service: string | null;
    pollIntervalMs: number;
    lastPollAt: string | null;
    failedPolls: number;
    consecutiveFailures: number;
    lastError: string | null;
  } | null;
}

export interface NodeListDeps {
  readonly log: Logger;
  readonly metrics: Registry;
}

/** Applies a new list (serialized with reloads by the service); `reasons` per added, removed or changed node. */
export type ApplyNodes = (nodes: readonly NodeConfig[], reasons: ReadonlyMap<string, string>) => void;

const FAILURES: readonly CmFailure[] = ['unreachable', 'tls', 'timeout', 'unauthorized', 'http-error', 'bad-answer', 'not-found'];
const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * The source of the Livy node list: the config file's `nodes`, or the Livy roles Cloudera Manager
 * lists (a poller). The service asks it which nodes a config means (`nodesFor`), so a SIGHUP with
 * a `clouderaManager` block keeps the discovered list instead of the file's empty one.
 */
export class NodeList {
  private poller: ClouderaManagerPoller | undefined;
  private pollerKey = '';
  private readonly retiring = new Set<Promise<void>>();
  private current: readonly NodeConfig[];
  private discovered = new Map<string, DiscoveredNode>();
  private loadedAt = Date.now();
  private readonly failures: Counter<'cause'>;
  /** Set once the router runs; before, a new list only changes what nodesFor() answers. */
  private apply: ApplyNodes | undefined;

  constructor(
    config: RouterConfig,
    private readonly deps: NodeListDeps,
  ) {
    this.current = config.nodes;
    const age = new Gauge({
      name: 'livy_router_node_list_age_seconds',
      help: 'Seconds since the Livy node list was last confirmed (loaded from the file, or a complete answer from Cloudera Manager); no series before the first list',
      registers: [deps.metrics],
      collect: () => {
        age.reset();
        const at = this.confirmedAt();
        if (at !== undefined) age.set((Date.now() - at) / 1000);
      },
    });
    this.failures = new Counter({
      name: 'livy_router_node_list_failed_polls_total',
      help: 'Cloudera Manager polls that failed, by cause (the last good node list stayed in force)',
      labelNames: ['cause'],
      registers: [deps.metrics],
    });
    // Zero series from the start, so rate() and alerts work before the first failure.
    if (config.clouderaManager) for (const c of FAILURES) this.failures.inc({ cause: c }, 0);
    this.reconfigure(config);
  }

  follow(apply: ApplyNodes): void {
    this.apply = apply;
  }

  /**
   * The node list for a starting router and the config to start with: the file's nodes, or
   * Cloudera Manager's list when it answers in time. Without any list the router still starts
   * (and says so), but is not ready. Throws when the CM password or CA file cannot be read.
   */
  static async start(file: RouterConfig, log: Logger, metrics: Registry): Promise<{ nodeList: NodeList; config: RouterConfig }> {
    const nodeList = new NodeList(file, { log: log.child({ component: 'node-list' }), metrics });
    return { nodeList, config: await startingConfig(nodeList, file, log) };
  }

  /** The nodes to run with under `config`. */
  nodesFor(config: RouterConfig): readonly NodeConfig[] {
    return config.clouderaManager ? this.current : config.nodes;
  }

  /** False while the router has no node at all to send a client to (CM has not answered yet). */
  hasList(): boolean {
    return this.current.length > 0 || this.poller?.status().nodes !== undefined;
  }

  inMaintenance(node: string): boolean {
    return this.discovered.get(node)?.maintenance === true;
  }

  /** Resolves once CM has answered, or after `limitMs`; at once without CM. */
  async firstList(limitMs: number): Promise<boolean> {
    return this.poller ? this.poller.firstList(limitMs) : true;
  }

  /**
   * Follows a loaded config (start and SIGHUP). Reads the password and CA files first and throws
   * before changing anything when they cannot be read. A changed CM block starts a new poller
   * that keeps the current list until its first answer.
   */
  reconfigure(config: RouterConfig): void {
    const cm = config.clouderaManager;
    if (!cm) {
      this.retire(this.poller);
      this.poller = undefined;
      this.pollerKey = '';
      this.discovered.clear();
      if (JSON.stringify(this.current) !== JSON.stringify(config.nodes)) this.loadedAt = Date.now();
      this.current = config.nodes;
      return;
    }
    const secrets = readCmSecrets(cm);
    const key = JSON.stringify([cm, config.nodeTransport, secrets]);
    if (key === this.pollerKey) return;
    const old = this.poller;
    const kept = old?.status();
    this.retire(old);
    this.pollerKey = key;
    this.poller = new ClouderaManagerPoller(
      cm,
      secrets,
      {
        log: this.deps.log,
        nodeTransport: config.nodeTransport,
        onList: (nodes, changes) => this.listChanged(nodes, changes),
        onFailure: (cause) => this.failures.inc({ cause }),
      },
      kept?.nodes,
      kept?.goodAt,
    );
    this.poller.start();
  }

  status(now = Date.now()): NodeListStatus {
    const at = this.confirmedAt();
    const p = this.poller;
    const s = p?.status();
    return {
      source: p ? 'clouderaManager' : 'config',
      updatedAt: iso(at),
      ageS: at === undefined ? null : Math.round((now - at) / 1000),
      clouderaManager:
        p && s
          ? {
              url: p.config.url,
              cluster: p.config.cluster ?? null,
              service: p.config.service ?? null,
              pollIntervalMs: p.config.pollIntervalMs,
              lastPollAt: iso(s.lastPollAt),
              failedPolls: s.failedPolls,
              consecutiveFailures: s.consecutiveFailures,
              lastError: s.lastError ? `${s.lastError.code}: ${s.lastError.message}` : null,
            }
          : null,
    };
  }

  async stop(): Promise<void> {
    await this.poller?.stop();
    await Promise.all(this.retiring);
  }

  /** A replaced poller stops in the background; stop() still waits for it (no socket left open). */
  private retire(poller: ClouderaManagerPoller | undefined): void {
    if (!poller) return;
    const stopping: Promise<void> = poller.stop().finally(() => this.retiring.delete(stopping));
    this.retiring.add(stopping);
  }

  private confirmedAt(): number | undefined {
    return this.poller ? this.poller.status().goodAt : this.loadedAt;
  }

  private listChanged(nodes: readonly DiscoveredNode[], changes: readonly ListChange[]): void {
    this.discovered = new Map(nodes.map((d) => [d.node.name, d]));
    this.current = nodes.map((d) => d.node);
    const reasons = new Map(changes.map((c) => [c.node, `${c.change} by Cloudera Manager: ${c.reason}`]));
    this.apply?.(this.current, reasons);
  }
}

async function startingConfig(nodeList: NodeList, file: RouterConfig, log: Logger): Promise<RouterConfig> {
  const cm = file.clouderaManager;
  if (!cm) return file;
  await nodeList.firstList(cm.timeoutMs * 2 + 1000);
  if (!nodeList.hasList()) {
    const why = nodeList.status().clouderaManager?.lastError ?? `no answer within ${cm.timeoutMs * 2 + 1000} ms`;
    log.error(
      { url: cm.url, cause: why },
      `no Livy node list: Cloudera Manager at ${cm.url} has not answered (${why}); the router starts without nodes and is not ready until it does`,
    );
  }
  return { ...file, nodes: nodeList.nodesFor(file) };
}
