import type net from 'node:net';
import type { Logger } from './log.js';
import type { NodeConfig, RouterConfig } from './config/schema.js';
import { RouterError } from './errors.js';
import { Router } from './router.js';
import { RouterMetrics } from './metrics/router-metrics.js';
import { loadAdminAccess } from './admin/access.js';
import { startAdminServer, type AdminHandlers, type AdminServer } from './admin/server.js';
import { buildStatus } from './admin/status.js';
import { HealthMonitor } from './health/monitor.js';
import { roleAwareChecks } from './health/create-checker.js';
import { Availability } from './metrics/availability.js';
import { VERSION } from './version.js';
import { Discovery } from './discovery/discovery.js';
import type { RegistrationStatus } from './discovery/registration.js';
import { NodeList, startingConfig } from './node-list/node-list.js';

/**
 * Everything one `livy-router run` process runs, composed once: the router (listeners, node
 * trials, sessions) and the parts that feed or observe it. The CLI, the demo and the tests all
 * start the router through here, so they run the same thing.
 */
export interface Service {
  readonly router: Router;
  /** The background health checks feeding router.cluster (replaced on reconfigure). */
  readonly health: HealthMonitor;
  readonly listenAddresses: net.AddressInfo[];
  readonly metrics: RouterMetrics;
  /** The admin endpoint's bound address; undefined when `admin.enabled` is false. */
  readonly adminAddress: net.AddressInfo | undefined;
  /** Where the node list came from (the file, Cloudera Manager) and how old it is. */
  readonly nodeList: NodeList;
  /** The ZooKeeper registration now; undefined when `discovery.zookeeper` is not configured. */
  registration(): RegistrationStatus | undefined;
  /**
   * Applies a reloaded, validated config to everything that can change while running. Rejects,
   * with nothing applied, when a changed admin address cannot be bound.
   */
  reconfigure(config: RouterConfig): Promise<void>;
  /** Graceful stop: stop accepting, let connections finish up to `graceMs`, close the rest. */
  stop(graceMs?: number): Promise<void>;
}

const sameAdmin = (a: RouterConfig['admin'], b: RouterConfig['admin']) => a.enabled === b.enabled && a.host === b.host && a.port === b.port;

export async function startService(fileConfig: RouterConfig, log: Logger): Promise<Service> {
  const startedAt = Date.now();
  // First: an unreadable token file fails the start before anything is opened.
  let access = loadAdminAccess(fileConfig.admin);
  const metrics = new RouterMetrics();
  // The node list may come from Cloudera Manager: its changes are applied like a reload's.
  const nodeList = new NodeList(fileConfig, { log: log.child({ component: 'node-list' }), metrics: metrics.registry });
  const config = await startingConfig(nodeList, fileConfig, log);
  // `health` is replaced on a reload: the router asks whichever monitor runs now.
  let health: HealthMonitor;
  const router: Router = new Router({
    config,
    log,
    observer: metrics,
    checks: {
      roleAware: (): boolean => health.size > 0 && roleAwareChecks(router.currentConfig),
      verdict: (node) => health.verdict(node),
      checkNow: (node) => health.checkNow(node),
    },
  });
  const availability = new Availability(router.cluster, log);
  const unwatchHeld = metrics.onHeld((delta) => availability.heldChanged(delta));
  const unwatchMetrics = metrics.watch(router.cluster);
  const unwatch = () => {
    unwatchMetrics();
    unwatchHeld();
    availability.stop();
  };
  const startHealth = (c: RouterConfig) => {
    const monitor = new HealthMonitor(c.nodes, c.health, router.cluster, log.child({ component: 'health' }), {
      onCheckDone: (report) => metrics.checkCompleted(report),
    });
    monitor.start();
    return monitor;
  };
  health = startHealth(config);
  let stopping: Promise<void> | undefined;
  let changes: Promise<void> = Promise.resolve();
  // One change at a time, and none once stopping: a reload that restarted the checks or the
  // registration after stop() had closed them would leave timers and sockets running.
  const enqueue = (change: () => Promise<void>) => {
    const run = changes.then(async () => {
      if (stopping) throw new RouterError('STOPPING', 'the router is stopping: change not applied');
      await change();
    });
    changes = run.catch(() => {});
    return run;
  };
  nodeList.follow((nodes, reasons) => void enqueue(() => applyNodes(nodes, reasons)).catch(() => {}));
  // Bind once every node has been checked (bounded), so the first clients go straight to the active.
  await health.firstRound(config.health.timeoutMs + 100);
  let listenAddresses: net.AddressInfo[];
  try {
    listenAddresses = await router.start();
  } catch (err) {
    await health.stop();
    await nodeList.stop();
    unwatch();
    throw err;
  }
  const listeners = listenAddresses.map((a, i) => ({ address: `${a.address}:${a.port}`, transport: config.listeners[i]!.transport }));
  metrics.declareListeners(config.listeners.map((l) => `${l.host}:${l.port}`));
  let draining = false;
  const handlers: AdminHandlers = {
    status: () =>
      buildStatus({
        router,
        listeners,
        startedAt,
        draining: () => draining,
        held: () => router.hold.size,
        lastCheck: (n) => health.lastCheck(n),
        discovery: () => discovery.status(),
        nodeList: () => nodeList.status(),
        maintenance: (n) => nodeList.inMaintenance(n),
      }),
    metrics: async () => ({ contentType: metrics.contentType, body: await metrics.text() }),
    notReadyReason: () => {
      if (draining) return 'shutting down';
      if (router.evidence.localErrorsRecent()) return 'out of a local resource (EMFILE, ENOBUFS, ...): see the error log';
      if (!nodeList.hasList()) return 'no Livy node list: Cloudera Manager has not answered yet';
      if (router.cluster.active() || !router.currentConfig.admin.readyRequiresActive) return undefined;
      return 'no active Livy node known';
    },
  };
  const bindAdmin = async (c: RouterConfig): Promise<AdminServer | undefined> => {
    if (!c.admin.enabled) return undefined;
    const server = await startAdminServer(c.admin, handlers, log, () => access);
    log.info({ address: `${server.address.address}:${server.address.port}` }, 'admin listening');
    return server;
  };
  let admin: AdminServer | undefined;
  try {
    admin = await bindAdmin(config);
  } catch (err) {
    await router.stop(0);
    await health.stop();
    await nodeList.stop();
    unwatch();
    throw err;
  }
  // After the listeners are bound: a client must never find a router that cannot accept yet.
  const discovery = new Discovery(config, {
    cluster: router.cluster,
    notReady: () => handlers.notReadyReason(),
    listener: listenAddresses[0]!,
    metrics: metrics.registry,
    log,
  });
  const active = router.cluster.active()?.config.name;
  log.info(
    {
      version: VERSION,
      nodejs: process.version,
      listeners: listeners.map((l) => `${l.address} (${l.transport})`),
      nodes: config.nodes.map((n) => `${n.name}=${n.host}:${n.port}`),
      check: config.health.kind,
      admin: admin ? `${admin.address.address}:${admin.address.port}` : 'off',
      active: active ?? null,
    },
    `livy-router ${VERSION} started: ${listeners.map((l) => l.address).join(', ')} -> ${config.nodes.length} Livy node(s), ` +
      `${config.health.kind} checks, active node: ${active ?? 'none yet'}, admin: ${admin ? `${admin.address.address}:${admin.address.port}` : 'off'}`,
  );
  return {
    router,
    get health() {
      return health;
    },
    listenAddresses,
    metrics,
    get adminAddress() {
      return admin?.address;
    },
    nodeList,
    registration: () => discovery.status(),
    reconfigure: (next) => enqueue(() => applyConfig(next)),
    stop: (graceMs = 0) =>
      (stopping ??= (async () => {
        draining = true;
        await changes;
        // First: clients stop finding this router before it stops accepting.
        await discovery.stop();
        await nodeList.stop();
        // Stops accepting at once, releases held clients, drains up to graceMs, closes the rest.
        await router.stop(graceMs);
        await health.stop();
        unwatch();
        // Last, so /status and /readyz answer while connections drain.
        await admin?.close();
      })()),
  };

  async function applyConfig(nextFile: RouterConfig): Promise<void> {
    const current = router.currentConfig;
    const nextAccess = loadAdminAccess(nextFile.admin);
    // Reads the CM password file (throws before anything changes); keeps the discovered list.
    nodeList.reconfigure(nextFile);
    const next: RouterConfig = { ...nextFile, nodes: nodeList.nodesFor(nextFile) };
    if (!sameAdmin(current.admin, next.admin)) {
      // Close first: the new address may share the old port. If the new one cannot be bound,
      // the old one comes back and the reload is refused as a whole.
      await admin?.close();
      try {
        admin = await bindAdmin(next);
      } catch (err) {
        admin = await bindAdmin(current);
        throw err;
      }
    }
    router.reconfigure(next, { checked: (n) => health.checks(n) });
    access = nextAccess;
    if (JSON.stringify(current.health) !== JSON.stringify(next.health)) {
      await health.stop();
      health = startHealth(next);
    } else health.replaceNodes(next.nodes);
    log.level = next.log.level;
    await discovery.reconfigure(next);
  }

  /** A new list from Cloudera Manager: unchanged nodes keep their state, sessions and checks. */
  async function applyNodes(nodes: readonly NodeConfig[], reasons: ReadonlyMap<string, string>): Promise<void> {
    const next: RouterConfig = { ...router.currentConfig, nodes };
    router.reconfigure(next, { reasons, checked: (n) => health.checks(n) });
    health.replaceNodes(nodes);
  }
}
