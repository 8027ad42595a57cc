import type { AddressInfo } from 'node:net';
import { createLogger } from '../log.js';
import { validateConfig } from '../config/validate.js';
import { splitHostPort } from '../config/cli-overrides.js';
import { Service } from '../service.js';
import type { StateChange } from '../cluster/cluster-state.js';
import { AdminBindError } from '../admin/errors.js';
import { DemoClients } from './demo-clients.js';
import { connectDirectly, DemoZooKeeperRoute } from './demo-zookeeper.js';
import { loadSimulator } from './load-simulator.js';
import { DemoClouderaManager } from './demo-cloudera-manager.js';

export const DEMO_ADMIN_DEFAULT = '127.0.0.1:9090';

export interface DemoOptions {
  port: number;
  /** HOST:PORT of the admin endpoint, or 'off'. */
  admin: string;
  intervalMs: number;
  moveEveryMs: number;
  durationMs: number;
  /** The nodes from a simulated Cloudera Manager; its last node's role is started and stopped instead of moving the leader. */
  clouderaManager?: boolean;
  /** ZooKeeper connect string: the router registers there and the clients look it up. */
  zookeeper?: string;
}

/** How long the demo waits for the router's first registration before its clients start. */
const ZK_REGISTER_WAIT_MS = 3000;

/** Every line fits 80 columns: 12 for the time, the rest for what happened. */
const WIDTH = 80;
const fit = (line: string) => (line.length > WIDTH ? `${line.slice(0, WIDTH - 3)}...` : line);
const print = (line: string) => process.stdout.write(`${fit(`${new Date().toISOString().slice(11, 23)}  ${line}`)}\n`);
const say = (line: string) => process.stdout.write(`${line}\n`);

function adminOption(admin: string): Record<string, unknown> | string {
  if (admin === 'off') return { enabled: false };
  const hp = splitHostPort(admin);
  if (!hp) return `--admin "${admin}": expected HOST:PORT or off`;
  return { host: hp.host ?? '127.0.0.1', port: hp.port };
}

/**
 * A simulated 3-node Livy HA cluster (passive nodes reject in three different ways), the router in
 * front of it with its admin endpoint, and two real HiveServer2 clients (hive-driver) querying
 * through the router while the active node moves: short queries on new connections, and one
 * long-lived session that the router cuts at each failover and that reconnects. Ctrl-C stops
 * everything and prints a summary; exit 0.
 */
export async function demoCommand(opts: DemoOptions): Promise<number> {
  const admin = adminOption(opts.admin);
  if (typeof admin === 'string') {
    process.stderr.write(`livy-router demo: ${admin}\n`);
    return 1;
  }
  const { startSimCluster, queryNode, openHiveSession, startSimClouderaManager } = await loadSimulator();
  // The demo prints its own story; the router's log shows only what goes wrong.
  const log = createLogger({ level: 'error', pretty: true });
  const cluster = await startSimCluster({
    nodes: [
      // The nodes keep their connections when demoted, so it is the router that cuts them.
      { name: 'livy-1', passiveStyle: 'sasl-bad', keepConnectionsOnDemote: true },
      { name: 'livy-2', passiveStyle: 'open-session-error', keepConnectionsOnDemote: true },
      { name: 'livy-3', passiveStyle: 'reset', keepConnectionsOnDemote: true },
    ],
    active: 'livy-1',
    logger: log.child({ component: 'sim' }),
  });
  const cm = opts.clouderaManager ? await DemoClouderaManager.start(startSimClouderaManager, cluster.nodes) : undefined;
  const validation = validateConfig({
    listeners: [{ host: '127.0.0.1', port: opts.port, transport: 'auto' }],
    ...(cm ? { clouderaManager: cm.block() } : { nodes: cluster.nodes.map((n) => ({ name: n.name, host: n.host, port: n.thriftPort, restPort: n.restPort })) }),
    health: { kind: 'ha-status' },
    admin,
    ...(opts.zookeeper !== undefined ? { discovery: { zookeeper: { connect: opts.zookeeper } } } : {}),
  });
  let service: Service;
  try {
    if (!validation.ok) throw new Error(validation.problems.join('; '));
    const routerLog = log.child({ component: 'router' });
    service = await Service.start(validation.config, routerLog).catch((err: unknown) => {
      // A demo should start anywhere: with the default admin port taken (a router running
      // already), take any free one; the header prints where it is.
      if (!(err instanceof AdminBindError) || opts.admin !== DEMO_ADMIN_DEFAULT) throw err;
      return Service.start({ ...validation.config, admin: { ...validation.config.admin, port: 0 } }, routerLog);
    });
  } catch (err) {
    await cm?.close();
    await cluster.close();
    process.stderr.write(`livy-router demo: ${(err as Error).message}\n`);
    return 1;
  }
  const port = service.listenAddresses[0]!.port;
  const adminAt: AddressInfo | undefined = service.adminAddress;
  const startedAt = Date.now();
  say('livy-router demo: 3 simulated Livy nodes (one active), the router, two clients');
  for (const n of cluster.nodes) say(`  ${n.name}   thrift 127.0.0.1:${n.thriftPort}, rest ${n.restPort}; passive: ${n.options.passiveStyle}`);
  say(`  router   jdbc:hive2://127.0.0.1:${port}/default`);
  if (adminAt) {
    say(`  admin    http://${adminAt.address}:${adminAt.port}/status`);
    say(`           try: npx livy-router status --admin ${adminAt.address}:${adminAt.port}`);
  } else say('  admin    off');
  const zk = validation.config.discovery.zookeeper;
  if (zk) {
    const registered = await waitFor(() => service.registration()?.registered === true, ZK_REGISTER_WAIT_MS);
    if (registered) {
      say(`  zk       ${zk.connect}: router registered in /${zk.namespace}; each client`);
      say('           connection looks it up there as Hive JDBC does with this URL:');
      say(`           jdbc:hive2://${zk.connect}/default;`);
      say(`             serviceDiscoveryMode=zooKeeper;zooKeeperNamespace=${zk.namespace}`);
    } else {
      const s = service.registration();
      const within = `within ${ZK_REGISTER_WAIT_MS / 1000} s`;
      if (s?.cause === 'zookeeper-unreachable') say(`  zk       ZooKeeper ${zk.connect} UNREACHABLE (no connection ${within}):`);
      else say(fit(`  zk       router not registered in ${zk.connect} ${within}: ${s?.reason ?? ''}`));
      say('           the clients connect directly; the router keeps trying to register');
    }
  }
  if (cm) say(`  cm       ${cm.url}: the router's node list; livy-3's role starts/stops`);
  say(`  ${cm ? 'That happens' : 'The active node moves'} every ${opts.moveEveryMs / 1000} s. Ctrl-C stops and prints a summary.`);
  say('');

  let failovers = 0;
  let lastActive = service.cluster.active()?.config.name;
  const onChange = (c: StateChange) => {
    print(`router   ${c.node.name} ${c.from} -> ${c.to}: ${c.reason}`);
    if (c.to !== 'active') return;
    if (lastActive !== undefined && lastActive !== c.node.name) failovers++;
    lastActive = c.node.name;
  };
  const unsubscribe = service.cluster.onChange(onChange);
  const direct = { host: '127.0.0.1', port, auth: 'plain' as const, user: 'demo', password: 'demo', timeoutMs: 5000 };
  const route = zk ? new DemoZooKeeperRoute(direct, zk, () => service.registration(), print) : undefined;
  const clients = new DemoClients({ queryNode, openHiveSession }, route?.connect ?? connectDirectly(direct), print);
  const names = cluster.nodes.map((n) => n.name);
  let moves = 0;
  const tick = () => {
    route?.update();
    clients.tick();
  };
  tick();
  const queryTimer = setInterval(tick, opts.intervalMs);
  const moveTimer = setInterval(() => {
    if (cm) return print(`-------  ${cm.step()}`);
    moves++;
    const next = names[moves % names.length]!;
    print(`-------  Livy moves the leader: ${cluster.active()?.name} -> ${next}`);
    cluster.setActive(next);
  }, opts.moveEveryMs);

  return new Promise<number>((resolve) => {
    let durationTimer: NodeJS.Timeout | undefined;
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      clearInterval(queryTimer);
      clearInterval(moveTimer);
      clearTimeout(durationTimer);
      unsubscribe();
      void (async () => {
        // The router first: its stop refuses held clients and closes sessions, so queries in
        // flight end at once instead of running out their timeouts.
        const clientsDone = clients.stop();
        await service.stop(0);
        await clientsDone;
        await cm?.close();
        await cluster.close();
        say('');
        say(`summary after ${((Date.now() - startedAt) / 1000).toFixed(0)} s: ${failovers} failover(s) seen by the router`);
        for (const line of clients.summary()) say(`  ${line}`);
        resolve(0);
      })();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (opts.durationMs > 0) durationTimer = setTimeout(stop, opts.durationMs);
  });
}

/** Polls `done` every 50 ms for up to `timeoutMs`; resolves with its last answer. */
async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return done();
}
