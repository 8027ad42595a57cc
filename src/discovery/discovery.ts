import type net from 'node:net';
import os from 'node:os';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import { VERSION } from '../version.js';
import { Registration, type RegistrationCause, type RegistrationStatus } from './registration.js';
import { publication } from './znode.js';

const CAUSES: readonly RegistrationCause[] = ['registered', 'not-ready', 'zookeeper-unreachable', 'zookeeper-error', 'stopped'];

export interface DiscoveryDeps {
  readonly cluster: ClusterState;
  /** The service's own reason not to take clients (draining, out of a local resource), if any. */
  readonly notReady: () => string | undefined;
  /** The first listener's bound address: its port is the advertised one unless `advertise` says otherwise. */
  readonly listener: net.AddressInfo;
  readonly metrics: Registry;
  readonly log: Logger;
}

/** `advertise`, else the listener's host (this host's name when it is a wildcard) and bound port. */
export function advertisedAddress(config: RouterConfig, listener: net.AddressInfo): string {
  const zk = config.discovery.zookeeper;
  if (zk?.advertise) return zk.advertise;
  const host = config.listeners[0]!.host;
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  const name = wildcard ? os.hostname() : host;
  return `${name.includes(':') ? `[${name}]` : name}:${listener.port}`;
}

/**
 * The ZooKeeper registration as the service sees it: started with the service, replaced when a
 * reload changes `discovery.zookeeper` (or what it publishes), removed first on stop.
 */
export class Discovery {
  private registration: Registration | undefined;
  private key = '';
  private stopped = false;
  private queue: Promise<void> = Promise.resolve();
  private readonly unwatch: () => void;

  constructor(
    config: RouterConfig,
    private readonly deps: DiscoveryDeps,
  ) {
    const gauge: Gauge<'state'> = new Gauge({
      name: 'livy_router_zookeeper_registration',
      help: "1 for the state of this router's ZooKeeper registration now (registered, or why not); no series when discovery is off",
      labelNames: ['state'],
      registers: [deps.metrics],
      collect: () => {
        gauge.reset();
        const s = this.registration?.status();
        if (s) for (const c of CAUSES) gauge.set({ state: c }, s.cause === c ? 1 : 0);
      },
    });
    // After the event, not inside it: a new active replaces the old one in two changes (old ->
    // unknown, then new -> active), and the first alone would look like "no active node".
    this.unwatch = deps.cluster.onChange(() => setImmediate(() => this.registration?.wake()));
    this.apply(config);
  }

  status(): RegistrationStatus | undefined {
    return this.registration?.status();
  }

  /** Starts, replaces or stops the registration to match `config`. */
  reconfigure(config: RouterConfig): Promise<void> {
    // Serialized with stop(): a reload that was replacing the registration when the stop came
    // must not start a new one after it (that client would keep the process alive).
    return this.serial(async () => {
      const next = this.keyOf(config);
      if (next === this.key || this.stopped) return;
      await this.registration?.stop();
      this.registration = undefined;
      this.apply(config);
    });
  }

  stop(): Promise<void> {
    return this.serial(async () => {
      if (this.stopped) return;
      this.stopped = true;
      this.unwatch();
      await this.registration?.stop();
    });
  }

  private serial(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(step);
    this.queue = run.catch(() => {});
    return run;
  }

  private keyOf(config: RouterConfig): string {
    return JSON.stringify([config.discovery.zookeeper ?? null, config.nodeTransport, config.listeners[0]?.host]);
  }

  private apply(config: RouterConfig): void {
    this.key = this.keyOf(config);
    const zk = config.discovery.zookeeper;
    if (!zk) return;
    const { cluster, notReady, log } = this.deps;
    const pub = publication(zk, advertisedAddress(config, this.deps.listener), config.nodeTransport, VERSION);
    const why = () => notReady() ?? (cluster.active() ? undefined : 'no active Livy node known');
    this.registration = new Registration(zk, pub, why, log.child({ component: 'discovery' }));
    this.registration.wake();
  }
}
