import type net from 'node:net';
import type { Logger } from './log.js';
import type { RouterConfig } from './config/schema.js';
import type { ConnectionContext } from './listener/connection-context.js';
import { DownstreamConnection } from './listener/downstream-connection.js';
import { bindListener, type BoundListener, type ListenerEvents } from './listener/listener.js';
import { SourceLimit } from './listener/source-limit.js';
import { ClusterState, type ReplaceOptions } from './cluster/cluster-state.js';
import { Evidence, type ChecksView } from './cluster/evidence.js';
import { isLocalError } from './upstream/local-errors.js';
import { closeOnActiveLost } from './cluster/close-on-failover.js';
import { SessionRegistry } from './session/registry.js';
import { HoldQueue } from './cluster/hold-queue.js';
import { noopObserver, type RouterObserver } from './observe.js';

export interface RouterOptions {
  readonly config: RouterConfig;
  readonly log: Logger;
  readonly observer?: RouterObserver;
  /** The health checks, as the cluster evidence needs them; none by default. */
  readonly checks?: ChecksView;
}

/** How often a drain looks whether every connection has finished. */
const DRAIN_POLL_MS = 50;

const NO_CHECKS: ChecksView = { roleAware: () => false, verdict: () => undefined, checkNow: () => {} };

/**
 * The whole data flow in one place: listeners accept clients, each client connection
 * (DownstreamConnection) tries the nodes with its handshake (known active first), a committed
 * connection becomes a Session in the registry, and when the cluster model says the active was
 * lost, close-on-failover closes that node's sessions. What trials tell the model: Evidence.
 */
export class Router {
  readonly cluster: ClusterState;
  readonly registry: SessionRegistry;
  /** Clients waiting for an active node during a failover. */
  readonly hold: HoldQueue;
  readonly evidence: Evidence;
  private listeners: BoundListener[] = [];
  /** Client connections not committed yet (a drain waits for them too). */
  private readonly handshakes = new Set<DownstreamConnection>();
  private config: RouterConfig;
  private lastId = 0;
  private readonly perSource = new SourceLimit(() => this.config.maxClientConnectionsPerSource);
  private sourceRefusals = { count: 0, sources: new Set<string>(), lastLog: 0 };
  private readonly stopClosingOnFailover: () => void;
  private readonly log: Logger;
  private readonly observer: RouterObserver;

  constructor(opts: RouterOptions) {
    const { log } = opts;
    this.config = opts.config;
    this.log = log;
    this.observer = opts.observer ?? noopObserver;
    this.registry = new SessionRegistry(this.observer);
    this.cluster = new ClusterState(opts.config.nodes, log);
    this.hold = new HoldQueue(this.cluster);
    this.evidence = new Evidence({ cluster: this.cluster, checks: opts.checks ?? NO_CHECKS, log, observer: this.observer });
    this.stopClosingOnFailover = closeOnActiveLost(this.cluster, this.registry, () => this.config, log);
  }

  get currentConfig(): RouterConfig {
    return this.config;
  }

  async start(): Promise<net.AddressInfo[]> {
    const ctx: ConnectionContext = {
      hold: this.hold,
      config: () => this.config,
      cluster: this.cluster,
      evidence: this.evidence,
      registry: this.registry,
      log: this.log,
      observer: this.observer,
      handshakes: this.handshakes,
      nextId: () => ++this.lastId,
    };
    try {
      for (const l of this.config.listeners) {
        const bound = await bindListener(
          l,
          this.config.maxClientConnections,
          this.perSource,
          (socket) => new DownstreamConnection(socket, l, ctx),
          this.listenerEvents(l),
        );
        this.listeners.push(bound);
        this.log.info({ address: `${bound.address.address}:${bound.address.port}`, transport: l.transport }, 'listening');
      }
    } catch (err) {
      await Promise.all(this.listeners.map((l) => l.close()));
      this.listeners = [];
      throw err;
    }
    return this.addresses();
  }

  /** Accept errors and drops are logged, at most one line per listener every 10 s for drops. */
  private listenerEvents(l: RouterConfig['listeners'][number]): ListenerEvents {
    const address = `${l.host}:${l.port}`;
    let dropped = 0;
    let lastLog = 0;
    return {
      acceptError: (err) => {
        if (isLocalError(err.code)) this.evidence.localError(`accepting on ${address}`, err.code ?? err.message);
        else this.log.error({ err, listener: address }, `accept failed on ${address}: ${err.code ?? err.message}`);
      },
      dropped: () => {
        dropped++;
        this.observer.clientRefused('listener full');
        const now = Date.now();
        if (now - lastLog < 10_000) return;
        this.log.warn(
          { listener: address, dropped, maxClientConnections: this.config.maxClientConnections },
          `listener ${address} full: dropped ${dropped} client(s)`,
        );
        lastLog = now;
        dropped = 0;
      },
      sourceLimited: (source) => this.sourceLimited(source),
    };
  }

  /** Refusals for the per-source limit, shared by every listener: at most one line every 10 s. */
  private sourceLimited(source: string): void {
    const r = this.sourceRefusals;
    r.count++;
    if (r.sources.size < 10) r.sources.add(source);
    this.observer.clientRefused('source address at its limit');
    const now = Date.now();
    if (now - r.lastLog < 10_000) return;
    const limit = this.config.maxClientConnectionsPerSource;
    this.log.warn(
      { refused: r.count, sources: [...r.sources], maxClientConnectionsPerSource: limit },
      `refused ${r.count} client(s) from ${[...r.sources].join(', ')}: source address at its limit of ${limit} connections`,
    );
    this.sourceRefusals = { count: 0, sources: new Set(), lastLog: now };
  }

  /**
   * Applies a reloaded config: nodes are replaced (unchanged nodes keep their state; a removed
   * node is reported down, so its connections follow onActiveLost); new connections use the new
   * timeouts and limits. Listeners are kept as they are: changing them needs a restart.
   */
  reconfigure(config: RouterConfig, nodes?: ReplaceOptions): void {
    this.config = config;
    for (const l of this.listeners) l.server.maxConnections = config.maxClientConnections;
    this.cluster.replaceNodes(config.nodes, nodes);
  }

  /** Client sockets open on every listener, handshakes included. */
  async clientConnections(): Promise<number> {
    const counts = await Promise.all(this.listeners.map((l) => l.connections()));
    return counts.reduce((a, b) => a + b, 0);
  }

  addresses(): net.AddressInfo[] {
    return this.listeners.map((l) => l.address);
  }

  /** Stops accepting, lets connections finish for `graceMs`, then closes the rest. */
  /**
   * Stops accepting, lets connections finish for `graceMs` (handshakes in flight count: one that
   * commits during the grace finishes its stream too), then closes the rest: handshakes get the
   * router's refusal in their protocol, sessions a FIN after what is queued for them (bounded).
   */
  async stop(graceMs = 0): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.close()));
    this.listeners = [];
    this.stopClosingOnFailover();
    this.hold.close();
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && (this.registry.count() > 0 || this.handshakes.size > 0)) {
      await new Promise((r) => setTimeout(r, Math.min(DRAIN_POLL_MS, deadline - Date.now())));
    }
    this.closeAll('router shutting down');
    await this.registry.drained();
  }

  /** Closes every connection now: handshakes refused in their protocol, sessions with a FIN after the flush. */
  closeAll(reason: string): void {
    for (const c of [...this.handshakes]) c.close(reason);
    this.registry.closeAll(reason);
  }
}
