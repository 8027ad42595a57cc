import type net from 'node:net';
import type { Logger } from './log.js';
import type { RouterConfig } from './config/schema.js';
import type { ConnectionContext } from './listener/connection-context.js';
import { DownstreamConnection } from './listener/downstream-connection.js';
import { bindListener, type BoundListener, type ListenerEvents } from './listener/listener.js';
import { Admission, type LimitRefusal } from './listener/admission.js';
import { countOpenDescriptors, descriptorConsumers, planDescriptors, type DescriptorBudget } from './listener/descriptor-budget.js';
import { LimitLog } from './listener/limit-log.js';
import { ClusterState, type ReplaceOptions } from './cluster/cluster-state.js';
import { Evidence, type ChecksView } from './cluster/evidence.js';
import { NO_CHECKS } from './health/checks-view.js';
import { isLocalError } from './upstream/local-errors.js';
import { closeOnActiveLost } from './cluster/close-on-failover.js';
import { openResumable } from './resume/open-resumable.js';
import { ResumeCoordinator } from './resume/resume-coordinator.js';
import { HttpSessionTable } from './resume/http-session-table.js';
import { openResumableHttp } from './resume/open-resumable-http.js';
import { SessionRegistry } from './session/registry.js';
import { HoldQueue } from './cluster/hold-queue.js';
import { ReadyConnections } from './upstream/ready-connections.js';
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
  /** Connected sockets to the active node, taken by clients whose first message is complete. */
  readonly ready: ReadyConnections;
  private listeners: BoundListener[] = [];
  /** Client connections not committed yet (a drain waits for them too). */
  private readonly handshakes = new Set<DownstreamConnection>();
  private config: RouterConfig;
  private lastId = 0;
  /** What the descriptor limit fits (listener/descriptor-budget.ts); undefined: not known, not enforced. */
  private descriptors: DescriptorBudget | undefined;
  readonly admission = new Admission(() => ({
    perSource: this.config.maxClientConnectionsPerSource,
    perListener: this.config.maxClientConnections,
    descriptorBudget: this.descriptors?.clients,
    descriptorLimit: this.descriptors?.limit,
  }));
  private readonly limitLog: LimitLog;
  /** Descriptors open when the router was made, before it or the service opened any (runtime, stdio, log). */
  private readonly openDescriptorsAtStart = countOpenDescriptors() ?? 32;
  private readonly stopClosingOnFailover: () => void;
  private readonly log: Logger;
  private readonly observer: RouterObserver;
  private readonly resume: ResumeCoordinator;
  /** onActiveLost: resume, HTTP: the sessions kept across the clients' TCP connections. */
  private readonly httpSessions: HttpSessionTable;

  constructor(opts: RouterOptions) {
    const { log } = opts;
    this.config = opts.config;
    this.log = log;
    this.observer = opts.observer ?? noopObserver;
    this.limitLog = new LimitLog(log);
    this.registry = new SessionRegistry(this.observer);
    this.cluster = new ClusterState(opts.config.nodes, log);
    this.hold = new HoldQueue(this.cluster);
    this.evidence = new Evidence({ cluster: this.cluster, checks: opts.checks ?? NO_CHECKS, log, observer: this.observer });
    this.ready = new ReadyConnections(
      this.cluster,
      () => this.config,
      log,
      (where, detail) => this.evidence.localError(where, detail),
    );
    this.stopClosingOnFailover = closeOnActiveLost(this.cluster, this.registry, () => this.config, log);
    this.resume = new ResumeCoordinator(this.cluster, opts.checks ?? NO_CHECKS, this.registry, () => this.config, log, this.observer);
    this.httpSessions = new HttpSessionTable(this.cluster, opts.checks ?? NO_CHECKS, this.resume, () => this.config, log, this.observer);
  }

  private httpDeps() {
    return { registry: this.registry, cluster: this.cluster, config: () => this.config, log: this.log, observer: this.observer };
  }

  get currentConfig(): RouterConfig {
    return this.config;
  }

  async start(): Promise<net.AddressInfo[]> {
    this.descriptors = planDescriptors(this.config, this.openDescriptorsAtStart, this.log);
    const ctx: ConnectionContext = {
      hold: this.hold,
      config: () => this.config,
      cluster: this.cluster,
      evidence: this.evidence,
      ready: this.ready,
      registry: this.registry,
      log: this.log,
      observer: this.observer,
      handshakes: this.handshakes,
      openResumable: (req, kit) => openResumable(this.resume, this.registry, req, kit),
      openResumableHttp: (req) => openResumableHttp({ table: this.httpSessions, ...this.httpDeps() }, req),
      claimsHttp: (first) => this.httpSessions.claims(first),
      nextId: () => ++this.lastId,
    };
    try {
      for (const l of this.config.listeners) {
        const bound = await bindListener(
          l,
          this.admission,
          (socket, inherited) => new DownstreamConnection(socket, l, ctx, inherited),
          this.listenerEvents(l),
          this.config.session,
        );
        this.listeners.push(bound);
        this.log.info({ address: `${bound.address.address}:${bound.address.port}`, transport: l.transport }, 'listening');
      }
      if (this.config.onActiveLost === 'resume') {
        const what =
          'binary SASL PLAIN, NOSASL and HTTP (Basic or no auth) sessions move to the new active; TLS and Kerberos sessions are closed as with close';
        this.log.info({ onActiveLost: 'resume' }, `onActiveLost=resume: ${what} (docs/failover.md)`);
      }
    } catch (err) {
      await Promise.all(this.listeners.map((l) => l.close()));
      this.listeners = [];
      throw err;
    }
    this.ready.start();
    return this.addresses();
  }

  /** Accept errors are logged (local ones through the evidence, rate-limited); limit refusals by LimitLog. */
  private listenerEvents(l: RouterConfig['listeners'][number]): ListenerEvents {
    const address = `${l.host}:${l.port}`;
    return {
      acceptError: (err) => {
        if (isLocalError(err.code)) this.evidence.localError(`accepting on ${address}`, err.code ?? err.message);
        else this.log.error({ err, listener: address }, `accept failed on ${address}: ${err.code ?? err.message}`);
      },
      limited: (refusal, source, answering) => this.limitRefused(refusal, source, answering),
    };
  }

  /** A client refused over a limit on any listener, the REST one too: counted, and logged by LimitLog. */
  limitRefused(refusal: LimitRefusal, source: string, answering: boolean): void {
    this.observer.clientRefused(refusal.message);
    this.observer.limitRefused(refusal.kind);
    this.limitLog.refused(refusal, source, answering);
  }

  get descriptorBudget(): DescriptorBudget | undefined {
    return this.descriptors;
  }

  /**
   * Applies a reloaded config: nodes are replaced (unchanged nodes keep their state; a removed
   * node is reported down, so its connections follow onActiveLost); new connections use the new
   * timeouts and limits. Listeners are kept as they are: changing them needs a restart.
   */
  reconfigure(config: RouterConfig, nodes?: ReplaceOptions): void {
    const before = this.config;
    this.config = config;
    this.cluster.replaceNodes(config.nodes, nodes);
    // What the router holds besides its clients, or what the listeners want, may have changed.
    const shape = (c: RouterConfig) => JSON.stringify([descriptorConsumers(c, this.openDescriptorsAtStart), c.maxClientConnections]);
    if (shape(before) !== shape(config)) this.descriptors = planDescriptors(config, this.openDescriptorsAtStart, this.log);
    this.ready.reconfigured();
  }

  /** Client sockets open on every listener, handshakes included. */
  async clientConnections(): Promise<number> {
    const counts = await Promise.all(this.listeners.map((l) => l.connections()));
    return counts.reduce((a, b) => a + b, 0);
  }

  addresses(): net.AddressInfo[] {
    return this.listeners.map((l) => l.address);
  }

  /**
   * Stops accepting, lets connections finish for `graceMs` (handshakes in flight count: one that
   * commits during the grace finishes its stream too), then closes the rest: handshakes get the
   * router's refusal in their protocol, sessions a FIN after what is queued for them (bounded).
   */
  async stop(graceMs = 0): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.close()));
    this.listeners = [];
    this.stopClosingOnFailover();
    this.resume.stop();
    this.httpSessions.stop();
    this.ready.close();
    this.hold.close();
    // After the listeners closed: no refusal comes after this, and none held back goes unlogged.
    this.limitLog.stop();
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
