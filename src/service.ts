import type net from 'node:net';
import type { Logger } from './log.js';
import type { NodeConfig, RouterConfig } from './config/schema.js';
import { Serial } from './serial.js';
import { Router } from './router.js';
import { RouterMetrics } from './metrics/router-metrics.js';
import { loadAdminAccess, type AdminAccess } from './admin/access.js';
import { startAdminServer, type AdminHandlers, type AdminServer } from './admin/server.js';
import { buildStatus, type ListenerStatus } from './admin/status.js';
import type { HealthMonitor } from './health/monitor.js';
import { startMonitor } from './health/start-monitor.js';
import { checksView } from './health/checks-view.js';
import { Availability } from './metrics/availability.js';
import { startedLine } from './started-line.js';
import { Discovery } from './discovery/discovery.js';
import type { RegistrationStatus } from './discovery/registration.js';
import type { ClusterState } from './cluster/cluster-state.js';
import { startRest, type RestListener } from './rest/start-rest.js';
import { NodeList } from './node-list/node-list.js';

const sameAdmin = (a: RouterConfig['admin'], b: RouterConfig['admin']) => a.enabled === b.enabled && a.host === b.host && a.port === b.port;

/**
 * Everything one `livy-router run` process runs, composed once: the router (listeners, node
 * trials, sessions) and the parts that feed or observe it. The CLI, the demo and the tests all
 * start the router through here (Service.start), so they run the same thing, and stop it through
 * here: stop() (graceful) or closeNow() (every connection now), as undici's close and destroy.
 */
export class Service {
  readonly router: Router;
  /** The background health checks feeding the cluster model (replaced on reconfigure). */
  private monitor: HealthMonitor;
  private listening: net.AddressInfo[] = [];
  private admin: AdminServer | undefined;
  /** Livy's REST API listener (docs/rest.md); undefined without a `rest` block. Only start() sets it. */
  rest: RestListener | undefined;
  private discovery: Discovery | undefined;
  private draining = false;
  private stopping: Promise<void> | undefined;
  /** Reconfigures, new node lists and the stop run one after another, never at once. */
  private readonly changes = new Serial();
  private readonly startedAt = Date.now();
  /** The listeners as bound at the start: a reload changes them only at the next restart. */
  private readonly boundListeners: RouterConfig['listeners'];
  private readonly unwatch: () => void;

  private constructor(
    config: RouterConfig,
    private readonly log: Logger,
    private access: AdminAccess,
    readonly nodeList: NodeList,
    readonly metrics: RouterMetrics,
  ) {
    this.boundListeners = config.listeners;
    this.router = new Router({
      config,
      log,
      observer: this.metrics,
      // Read through `this`: the monitor is replaced on a reload.
      checks: checksView(
        () => this.health,
        () => this.config,
      ),
    });
    const availability = new Availability(this.router.cluster, log);
    const unwatchHeld = this.metrics.onHeld((delta) => availability.heldChanged(delta));
    const unwatchMetrics = this.metrics.watch(this.router.cluster);
    this.unwatch = () => {
      unwatchMetrics();
      unwatchHeld();
      availability.stop();
    };
    this.monitor = startMonitor(config, this.router.cluster, this.log, (r) => this.metrics.checkCompleted(r));
  }

  /** Starts everything, or nothing: a part that cannot start stops the ones started before it. */
  static async start(config: RouterConfig, log: Logger): Promise<Service> {
    // First: an unreadable token (or CM password) file fails the start before anything is opened.
    const access = loadAdminAccess(config.admin);
    const metrics = new RouterMetrics();
    const started = await NodeList.start(config, log, metrics.registry);
    const svc = new Service(started.config, log, access, started.nodeList, metrics);
    const { router, health } = svc;
    // A new list from Cloudera Manager is applied like a reload, one change at a time.
    svc.nodeList.follow((nodes, reasons) => void svc.changes.run(() => svc.applyNodes(nodes, reasons)).catch(() => {}));
    // Bind once every node has been checked (bounded), so the first clients go straight to the active.
    await health.firstRound(config.health.timeoutMs + 100);
    try {
      svc.listening = await router.start();
      svc.metrics.declareListeners(config.listeners.map((l) => `${l.host}:${l.port}`));
      svc.rest = await startRest(config, router, svc.metrics.registry, log, (node) => svc.health.checkNow(node));
      svc.admin = await svc.bindAdmin(config);
    } catch (err) {
      await Promise.all([router.stop(0), svc.rest?.close(0)]);
      await health.stop();
      await svc.nodeList.stop();
      svc.unwatch();
      throw err;
    }
    // After the listeners are bound: a client must never find a router that cannot accept yet.
    svc.discovery = new Discovery(config, {
      cluster: router.cluster,
      notReady: () => svc.notReadyReason(),
      listener: svc.listening[0]!,
      metrics: svc.metrics.registry,
      log,
    });
    const active = svc.cluster.active()?.config.name;
    log.info(...startedLine({ config: svc.config, listening: svc.listenAddresses, admin: svc.adminAddress, rest: svc.rest, active }));
    return svc;
  }

  get health(): HealthMonitor {
    return this.monitor;
  }

  /** The client listeners' bound addresses. */
  get listenAddresses(): readonly net.AddressInfo[] {
    return this.listening;
  }

  /** The configuration in force (the last reload applied). */
  get config(): RouterConfig {
    return this.router.currentConfig;
  }

  /** The one model of the nodes: who is active. */
  get cluster(): ClusterState {
    return this.router.cluster;
  }

  /** The admin endpoint's bound address; undefined when `admin.enabled` is false. */
  get adminAddress(): net.AddressInfo | undefined {
    return this.admin?.address;
  }

  /** Committed sessions open now. */
  openSessions(): number {
    return this.router.registry.count();
  }

  /** Clients waiting for an active node now. */
  heldClients(): number {
    return this.router.hold.size;
  }

  /** The ZooKeeper registration now; undefined when `discovery.zookeeper` is not configured. */
  registration(): RegistrationStatus | undefined {
    return this.discovery?.status();
  }

  /**
   * Applies a reloaded, validated config to everything that can change while running. Rejects,
   * with nothing applied, when a changed admin address cannot be bound, and once stop() began.
   */
  reconfigure(next: RouterConfig): Promise<void> {
    return this.changes.run(() => this.applyConfig(next));
  }

  /** Graceful stop: stop accepting, let connections finish up to `graceMs`, close the rest (idempotent). */
  stop(graceMs = 0): Promise<void> {
    return (this.stopping ??= (async () => {
      this.draining = true;
      await this.changes.close('the router is stopping: change not applied');
      // First: clients stop finding this router before it stops accepting.
      await this.discovery?.stop();
      await this.nodeList.stop();
      // Stops accepting at once, releases held clients, drains up to graceMs, closes the rest.
      await Promise.all([this.router.stop(graceMs), this.rest?.close(graceMs)]);
      await this.health.stop();
      this.unwatch();
      // Last, so /status and /readyz answer while connections drain.
      await this.admin?.close();
    })());
  }

  /** Closes every connection now (a second signal during a drain): the drain in stop() then ends at once. */
  closeNow(reason: string): void {
    this.router.closeAll(reason);
    this.rest?.closeNow();
  }

  private notReadyReason(): string | undefined {
    if (this.draining) return 'shutting down';
    if (this.router.evidence.localErrorsRecent()) return 'out of a local resource (EMFILE, ENOBUFS, ...): see the error log';
    if (!this.nodeList.hasList()) return 'no Livy node list: Cloudera Manager has not answered yet';
    if (this.router.cluster.active() || !this.config.admin.readyRequiresActive) return undefined;
    return 'no active Livy node known';
  }

  private async bindAdmin(c: RouterConfig): Promise<AdminServer | undefined> {
    if (!c.admin.enabled) return undefined;
    const { router, startedAt, boundListeners } = this;
    const listeners: ListenerStatus[] = this.listenAddresses.map((a, i) => ({ address: `${a.address}:${a.port}`, transport: boundListeners[i]!.transport }));
    if (this.rest) listeners.push(this.rest.status());
    const handlers: AdminHandlers = {
      status: () =>
        buildStatus({
          router,
          listeners,
          startedAt,
          draining: () => this.draining,
          held: () => router.hold.size,
          lastCheck: (n) => this.health.lastCheck(n),
          discovery: () => this.discovery?.status(),
          nodeList: () => this.nodeList.status(),
          maintenance: (n) => this.nodeList.inMaintenance(n),
        }),
      metrics: async () => ({ contentType: this.metrics.contentType, body: await this.metrics.text() }),
      notReadyReason: () => this.notReadyReason(),
    };
    const server = await startAdminServer(c.admin, handlers, this.log, () => this.access);
    this.log.info({ address: `${server.address.address}:${server.address.port}` }, 'admin listening');
    return server;
  }

  private async applyConfig(file: RouterConfig): Promise<void> {
    const current = this.config;
    const nextAccess = loadAdminAccess(file.admin);
    this.nodeList.reconfigure(file); // reads the CM password file: throws before anything changed
    const next: RouterConfig = { ...file, nodes: this.nodeList.nodesFor(file) };
    if (!sameAdmin(current.admin, next.admin)) {
      // Close first: the new address may share the old port. If the new one cannot be bound,
      // the old one comes back and the reload is refused as a whole.
      await this.admin?.close();
      try {
        this.admin = await this.bindAdmin(next);
      } catch (err) {
        this.admin = await this.bindAdmin(current);
        throw err;
      }
    }
    this.router.reconfigure(next, { checked: (n) => this.health.checks(n) });
    this.access = nextAccess;
    // Unchanged nodes keep their running checks; only a changed health block restarts them all.
    if (JSON.stringify(current.health) !== JSON.stringify(next.health)) {
      await this.health.stop();
      this.monitor = startMonitor(next, this.router.cluster, this.log, (r) => this.metrics.checkCompleted(r));
    } else this.health.replaceNodes(next.nodes);
    this.log.level = next.log.level;
    await this.discovery?.reconfigure(next);
  }

  /** A new list from Cloudera Manager: unchanged nodes keep their state, sessions and checks. */
  private async applyNodes(nodes: readonly NodeConfig[], reasons: ReadonlyMap<string, string>): Promise<void> {
    this.router.reconfigure({ ...this.config, nodes }, { reasons, checked: (n) => this.health.checks(n) });
    this.health.replaceNodes(nodes);
  }
}
