import type { Logger } from '../log.js';
import type { NodeConfig } from '../config/schema.js';

/** `new`: added while running and not checked yet; never dialled until a check has answered. */
export type NodeState = 'new' | 'unknown' | 'active' | 'passive' | 'down';
export type StateSource = 'dial' | 'check' | 'config';

export interface NodeStatus {
  readonly config: NodeConfig;
  readonly state: NodeState;
  readonly reason: string;
  /** Epoch ms of the last state change. */
  readonly since: number;
  /** Who set the state (a health check, a client dial, the configuration). */
  readonly source: StateSource;
}

export interface StateChange {
  readonly node: NodeConfig;
  readonly from: NodeState;
  readonly to: NodeState;
  readonly reason: string;
  readonly source: StateSource;
}

type Listener = (change: StateChange) => void;

const DIAL_RANK: Record<NodeState, number> = { active: 0, unknown: 1, passive: 2, down: 3, new: 4 };

export interface ReplaceOptions {
  /** Why a node is removed or replaced (the node list's reason: role stopped, host moved). */
  readonly reasons?: ReadonlyMap<string, string>;
  /** Whether a health check will look at this node: then a new node waits for it as `new`. */
  readonly checked?: (node: NodeConfig) => boolean;
}

/**
 * The one model of the cluster that health checks and real client dials both feed. At most one
 * node is active; every change is logged once, at info, with its reason. It never touches sockets:
 * whoever cares (the session registry, the hold queue) subscribes to changes.
 */
export class ClusterState {
  private statuses: NodeStatus[];
  /** dialOrder() for the current statuses: asked on every client connection, changed rarely. */
  private order: readonly NodeStatus[] | undefined;
  private readonly listeners = new Set<Listener>();
  /** When the last active node stopped being active; undefined while none ever did. */
  private activeEndedAt: number | undefined;

  constructor(
    nodes: readonly NodeConfig[],
    private readonly log: Logger,
  ) {
    const now = Date.now();
    this.statuses = nodes.map((config) => ({ config, state: 'unknown', reason: 'not checked yet', since: now, source: 'config' }));
  }

  all(): readonly NodeStatus[] {
    return this.statuses;
  }

  get(name: string): NodeStatus | undefined {
    return this.statuses.find((s) => s.config.name === name);
  }

  active(): NodeStatus | undefined {
    return this.statuses.find((s) => s.state === 'active');
  }

  /** When a node was last active: now while one is; undefined if none has been since the start. */
  lastActiveAt(now = Date.now()): number | undefined {
    return this.active() ? now : this.activeEndedAt;
  }

  /** The order to try nodes in: the known active, then unknown, passive, down; config order within each. `new` nodes are not tried. */
  dialOrder(): readonly NodeStatus[] {
    return (this.order ??= this.statuses
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => s.state !== 'new')
      .sort((a, b) => DIAL_RANK[a.s.state] - DIAL_RANK[b.s.state] || a.i - b.i)
      .map(({ s }) => s));
  }

  /**
   * Calls `restart(reason)` once if the checks overtake a trial that began with `first` at the head
   * of the dial order: that node is lost (hung, black-holed), or another node became active while
   * the trial waits on a silent one. Returns its stop.
   */
  whenOrderChanges(first: string | undefined, restart: (reason: string) => void): () => void {
    const stop = this.onChange((c) => {
      if (c.source !== 'check') return;
      const lostFirst = c.node.name === first && c.from === 'active' && c.to !== 'active';
      if (!lostFirst && !(c.to === 'active' && c.node.name !== first)) return;
      stop();
      restart(lostFirst ? `node ${c.node.name} lost during the handshake: ${c.reason}` : `node ${c.node.name} is active now`);
    });
    return stop;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  report(name: string, state: NodeState, reason: string, source: StateSource): void {
    const current = this.get(name);
    if (!current || current.state === state) return;
    if (state === 'active') {
      const previous = this.active();
      if (previous && previous.config.name !== name) {
        this.set(previous, 'unknown', `node ${name} is active now`, source);
      }
    }
    this.set(current, state, reason, source);
  }

  /**
   * Replaces the node list (config reload). A node whose address is unchanged keeps its state;
   * a removed node is reported `down` first, so its connections follow onActiveLost.
   */
  replaceNodes(nodes: readonly NodeConfig[], opts: ReplaceOptions = {}): void {
    const keep = new Map(this.statuses.map((s) => [`${s.config.name}|${s.config.host}:${s.config.port}`, s]));
    for (const s of this.statuses) {
      if (!nodes.some((n) => n.name === s.config.name && n.host === s.config.host && n.port === s.config.port)) {
        // Only the active's connections are closed by this (close-on-failover): a passive has none to lose.
        this.set(s, 'down', opts.reasons?.get(s.config.name) ?? 'removed from the configuration', 'config');
      }
    }
    const now = Date.now();
    this.order = undefined;
    this.statuses = nodes.map((config) => {
      const old = keep.get(`${config.name}|${config.host}:${config.port}`);
      if (old) return { ...old, config };
      const reason = opts.reasons?.get(config.name) ?? 'added by a configuration reload';
      return { config, state: opts.checked?.(config) ? 'new' : 'unknown', reason, since: now, source: 'config' };
    });
  }

  private set(status: NodeStatus, to: NodeState, reason: string, source: StateSource): void {
    const from = status.state;
    const next: NodeStatus = { config: status.config, state: to, reason, since: Date.now(), source };
    if (from === 'active') this.activeEndedAt = next.since;
    this.statuses = this.statuses.map((s) => (s === status ? next : s));
    this.order = undefined;
    const { name, host, port } = status.config;
    // Losing the active or a node going down is what on-call alerts on; the rest is routine.
    const level = from === 'active' || to === 'down' ? 'warn' : 'info';
    this.log[level]({ node: name, address: `${host}:${port}`, from, to, reason, source }, `node ${name} ${from} -> ${to}: ${reason}`);
    const change: StateChange = { node: status.config, from, to, reason, source };
    for (const listener of this.listeners) listener(change);
  }
}
