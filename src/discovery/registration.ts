import type { Logger } from '../log.js';
import type { ZookeeperConfig } from '../config/discovery-schema.js';
import { ZkClient, type ZkState } from './zk-client.js';
import { aclFor, namespacePath, type Publication } from './znode.js';

/** Why the router is or is not findable in ZooKeeper; a small fixed set (a metric label). */
export type RegistrationCause = 'registered' | 'not-ready' | 'zookeeper-unreachable' | 'zookeeper-error' | 'stopped';

export interface RegistrationStatus {
  readonly registered: boolean;
  readonly cause: RegistrationCause;
  /** In words, for /status: what is missing and what happens next. */
  readonly reason: string;
  readonly znode: string | null;
  readonly zookeeper: ZkState;
  readonly connect: string;
  readonly namespace: string;
  /** Epoch ms of the last change of `cause` or `znode`. */
  readonly since: number;
}

const MAX_BACKOFF_MS = 10_000;

/**
 * Keeps exactly one ephemeral znode of this router in the namespace while `notReady()` says
 * nothing, and none otherwise. It reconciles instead of remembering: each pass lists the
 * namespace and finds this session's znodes by their owner, so a create whose answer was lost,
 * a znode deleted by hand, or a session that came back after a ZooKeeper restart all converge to
 * one znode, and other routers' (or foreign) children are never touched.
 */
export class Registration {
  private zk: ZkClient;
  private readonly acl;
  private ensured = false;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private failures = 0;
  /** Whether the current client ever connected: "unreachable" and "lost" are different news. */
  private connectedOnce = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private current: RegistrationStatus;
  private lastWanted: string | undefined;
  private readonly poll: NodeJS.Timeout;

  constructor(
    private readonly config: ZookeeperConfig,
    private readonly publication: Publication,
    /** Undefined when the router should be findable; else why not. */
    private readonly notReady: () => string | undefined,
    private readonly log: Logger,
    private readonly onStatus: (s: RegistrationStatus) => void = () => {},
  ) {
    this.acl = aclFor(config);
    this.current = this.make('zookeeper-unreachable', this.unreachable(), null, 'connecting');
    this.zk = this.open();
    // Readiness also turns on things no event announces (a local-resource error clearing).
    this.poll = setInterval(() => {
      if (this.notReady() !== this.lastWanted) this.wake();
    }, 250);
  }

  status(): RegistrationStatus {
    return this.current;
  }

  /** Re-evaluate now (the cluster model changed, the router began to drain). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Removes the znode (bounded), then ends the session: either way ZooKeeper drops it. */
  stop(): Promise<void> {
    // Every caller waits for the same end: a second stop() must not return while the first is
    // still closing the client.
    return (this.stopping ??= this.end());
  }

  private async end(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearTimeout(this.retryTimer);
    await this.running;
    const znode = this.current.znode;
    if (znode && this.zk.state === 'connected') await this.zk.remove(znode).catch(() => {});
    await this.zk.close();
    this.set('stopped', 'the router is stopping', null, 'closed');
  }

  private unreachable(): string {
    return `not connected to ZooKeeper ${this.config.connect} (yet): the client tries every server in turn, then again within 1 s`;
  }

  private open(): ZkClient {
    const zk = new ZkClient({
      connect: this.config.connect,
      sessionTimeoutMs: this.config.sessionTimeoutMs,
      opTimeoutMs: Math.min(2000, this.config.sessionTimeoutMs),
      ...(this.config.digest ? { digest: this.config.digest } : {}),
    });
    zk.on('state', (state) => this.onZkState(zk, state));
    return zk;
  }

  private onZkState(zk: ZkClient, state: ZkState): void {
    if (zk !== this.zk || this.stopped) return;
    this.log.info({ zookeeper: this.config.connect, state }, `ZooKeeper ${this.config.connect}: ${state}`);
    if (state === 'connected') {
      this.connectedOnce = true;
      return this.wake();
    }
    if (state === 'disconnected' && !this.connectedOnce) {
      this.set('zookeeper-unreachable', this.unreachable(), null, state);
      return;
    }
    if (state === 'disconnected') {
      const keep = this.current.znode ? `; ${this.current.znode} stays until the session times out unless the connection comes back` : '';
      this.set('zookeeper-unreachable', `connection to ZooKeeper ${this.config.connect} lost, reconnecting${keep}`, this.current.znode, state);
      return;
    }
    // Expired or refused credentials: this session is over. A new one registers afresh.
    const why = state === 'expired' ? 'ZooKeeper session expired (its znode is gone)' : 'ZooKeeper refused the digest credentials';
    this.set(state === 'expired' ? 'zookeeper-unreachable' : 'zookeeper-error', `${why}; opening a new session`, null, state);
    this.ensured = false;
    this.connectedOnce = false;
    void zk.close();
    this.retryLater(() => (this.zk = this.open()));
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.reconcile();
        this.failures = 0;
      } catch (err) {
        if (this.stopped) return;
        const e = err as Error;
        this.log.warn({ err: e, zookeeper: this.config.connect }, `ZooKeeper registration failed: ${e.message}; retrying`);
        this.set('zookeeper-error', `${e.message}; retrying with backoff`, this.current.znode, this.zk.state);
        this.retryLater(() => this.wake());
        return;
      }
    } while (this.again && !this.stopped);
  }

  private async reconcile(): Promise<void> {
    const zk = this.zk;
    const notReady = this.notReady();
    this.lastWanted = notReady;
    if (zk.state !== 'connected') return;
    const ns = namespacePath(this.config.namespace);
    if (!this.ensured) {
      await zk.ensurePath(ns, this.acl);
      this.ensured = true;
    }
    const session = zk.sessionId();
    const mine: string[] = [];
    for (const child of await zk.children(ns)) {
      const path = `${ns}/${child}`;
      if ((await zk.owner(path)) === session) mine.push(path);
    }
    if (notReady !== undefined) {
      for (const path of mine) await zk.remove(path);
      this.set('not-ready', notReady, null, zk.state);
      return;
    }
    let keep: string | undefined;
    for (const path of mine) {
      if (!keep && path.startsWith(this.publication.prefix) && (await zk.data(path)) === this.publication.data) keep = path;
      else await zk.remove(path);
    }
    keep ??= await zk.createEphemeralSequential(this.publication.prefix, this.publication.data, this.acl);
    // Deleted by someone else while wanted: put it back.
    const owner = await zk.owner(keep, () => this.wake());
    if (owner !== session) return this.wake();
    this.set('registered', `registered as ${this.publication.hostPort}`, keep, zk.state);
  }

  private retryLater(run: () => void): void {
    clearTimeout(this.retryTimer);
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** this.failures++) * (0.5 + Math.random() / 2);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) run();
    }, delay);
  }

  private make(cause: RegistrationCause, reason: string, znode: string | null, zookeeper: ZkState): RegistrationStatus {
    return {
      registered: cause === 'registered',
      cause,
      reason,
      znode,
      zookeeper,
      connect: this.config.connect,
      namespace: this.config.namespace,
      since: Date.now(),
    };
  }

  private set(cause: RegistrationCause, reason: string, znode: string | null, zookeeper: ZkState): void {
    const before = this.current;
    if (before.cause === cause && before.znode === znode && before.reason === reason && before.zookeeper === zookeeper) return;
    const changed = before.cause !== cause || before.znode !== znode;
    this.current = changed ? this.make(cause, reason, znode, zookeeper) : { ...before, reason, zookeeper };
    if (!changed) return;
    const level = cause === 'registered' || cause === 'not-ready' || cause === 'stopped' ? 'info' : 'warn';
    this.log[level](
      { cause, znode, zookeeper: this.config.connect, reason },
      cause === 'registered' ? `registered in ZooKeeper: ${znode}` : `not registered in ZooKeeper: ${reason}`,
    );
    this.onStatus(this.current);
  }
}
