import { EventEmitter } from 'node:events';
import zookeeper from 'node-zookeeper-client';

/**
 * The only file that knows the ZooKeeper library (node-zookeeper-client: pure JavaScript, so no
 * native build in the image; it speaks plain TCP with digest auth, not SASL or TLS). Everything
 * here returns promises bounded by `opTimeoutMs`: the library queues requests while disconnected
 * and never fails them by itself.
 */
export type ZkState = 'connecting' | 'connected' | 'disconnected' | 'expired' | 'auth-failed' | 'closed';

export interface ZkClientOptions {
  readonly connect: string;
  readonly sessionTimeoutMs: number;
  readonly opTimeoutMs: number;
  /** `user:password` for the digest scheme; never logged. */
  readonly digest?: string;
}

export interface ZkAcl {
  readonly perms: 'all' | 'read';
  readonly scheme: string;
  readonly id: string;
}

export class ZkError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ZkError';
  }
}

const CODE_NAMES: Record<number, string> = {
  [zookeeper.Exception.NO_NODE]: 'NO_NODE',
  [zookeeper.Exception.NODE_EXISTS]: 'NODE_EXISTS',
  [zookeeper.Exception.NO_AUTH]: 'NO_AUTH',
  [zookeeper.Exception.AUTH_FAILED]: 'AUTH_FAILED',
  [zookeeper.Exception.CONNECTION_LOSS]: 'CONNECTION_LOSS',
  [zookeeper.Exception.SESSION_EXPIRED]: 'SESSION_EXPIRED',
  [zookeeper.Exception.INVALID_ACL]: 'INVALID_ACL',
};

/** The library's internal connection, reached only to guarantee that close() leaves no socket or timer. */
interface Internals {
  connectionManager?: EventEmitter & { state?: number; setState(state: number): void; socket?: LibSocket; connectTimeoutHandler?: NodeJS.Timeout };
}
type LibSocket = { destroy(): void } | undefined;
const CONNECTED_STATE = 2;
const CONNECTED_READ_ONLY_STATE = 3;
const CLOSING_STATE = -1;
const CLOSED_STATE = -2;

export class ZkClient extends EventEmitter<{ state: [ZkState] }> {
  private readonly client: zookeeper.Client;
  private current: ZkState = 'connecting';
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ZkClientOptions) {
    super();
    // retries 0: a lost request is retried by the caller's reconcile loop, which re-reads first.
    this.client = zookeeper.createClient(options.connect, { sessionTimeout: options.sessionTimeoutMs, spinDelay: 1000, retries: 0 });
    if (options.digest) this.client.addAuthInfo('digest', Buffer.from(options.digest));
    this.client.on('state', (s: zookeeper.State) => {
      const next = mapState(s);
      if (next && next !== this.current && this.current !== 'closed') {
        this.current = next;
        this.emit('state', next);
      }
    });
    this.client.connect();
  }

  get state(): ZkState {
    return this.current;
  }

  /** The 8-byte session id in hex; ephemeral znodes carry it as their owner. */
  sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  /** The timeout the server granted (it clamps the asked one to 2-20 ticks). */
  sessionTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  children(path: string): Promise<string[]> {
    return this.call(`list ${path}`, (cb) => this.client.getChildren(path, (e, children) => cb(e, children)));
  }

  /** The owner session of a znode in hex ('0000000000000000' for a persistent one), or undefined if gone. */
  async owner(path: string, onDeleted?: () => void): Promise<string | undefined> {
    const stat = await this.call<zookeeper.Stat | undefined>(`stat ${path}`, (cb) => {
      const done = (e: Error | zookeeper.Exception | null, s: zookeeper.Stat | undefined) => cb(e, s);
      if (onDeleted) this.client.exists(path, (ev) => ev.getType() === zookeeper.Event.NODE_DELETED && onDeleted(), done);
      else this.client.exists(path, done);
    });
    return stat ? stat.ephemeralOwner.toString('hex') : undefined;
  }

  async data(path: string): Promise<string | undefined> {
    try {
      return (await this.call<Buffer>(`read ${path}`, (cb) => this.client.getData(path, (e, d) => cb(e, d ?? Buffer.alloc(0))))).toString('utf8');
    } catch (err) {
      if (err instanceof ZkError && err.code === 'NO_NODE') return undefined;
      throw err;
    }
  }

  /** Creates `path` and its parents as persistent znodes when missing; an existing one is left as it is. */
  async ensurePath(path: string, acl: readonly ZkAcl[]): Promise<void> {
    await this.call(`create ${path}`, (cb) => this.client.mkdirp(path, toAcls(acl), zookeeper.CreateMode.PERSISTENT, (e, p) => cb(e, p)));
  }

  /** Creates an ephemeral sequential znode; resolves with its full path. */
  createEphemeralSequential(path: string, data: string, acl: readonly ZkAcl[]): Promise<string> {
    return this.call(`create ${path}`, (cb) =>
      this.client.create(path, Buffer.from(data), toAcls(acl), zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, (e, p) => cb(e, p)),
    );
  }

  async remove(path: string): Promise<void> {
    try {
      await this.call(`remove ${path}`, (cb) => this.client.remove(path, -1, (e) => cb(e, undefined)));
    } catch (err) {
      if (!(err instanceof ZkError && err.code === 'NO_NODE')) throw err;
    }
  }

  /**
   * Ends the session (the server drops its ephemeral znodes at once when it hears of it) and
   * resolves once the library has no socket and no timer left.
   *
   * The library cannot be cancelled while it reconnects: a connect attempt waiting in its spin
   * delay opens a new socket after close(), in the CLOSING state, which it then never closes (it
   * reads the server's connect answer as a reply and stops pinging). So from close() on, every
   * socket it opens is destroyed at once; after `waitMs` the current one is destroyed too. Either
   * way its 'close' event moves the library to CLOSED without a retry, and that is what this waits
   * for (at most `waitMs` plus the spin delay).
   */
  close(waitMs = 1000): Promise<void> {
    return (this.closing ??= new Promise<void>((resolve) => {
      this.current = 'closed';
      const manager = (this.client as unknown as Internals).connectionManager;
      if (!manager || manager.state === CLOSED_STATE) return resolve();
      let socket = manager.socket;
      Object.defineProperty(manager, 'socket', {
        configurable: true,
        get: () => socket,
        set: (s: LibSocket) => {
          socket = s;
          s?.destroy();
        },
      });
      const onState = (s: number) => s === CLOSED_STATE && finish();
      const timer = setTimeout(() => socket?.destroy(), waitMs);
      const finish = () => {
        clearTimeout(timer);
        clearTimeout(manager.connectTimeoutHandler);
        manager.off('state', onState);
        resolve();
      };
      manager.on('state', onState);
      // Only a connected client has a session to end. Otherwise the library's close() is
      // unsafe: before its first socket exists it writes to no socket (a TypeError), and on a
      // socket still connecting its close packet goes out before the connect request, so the
      // server's connect answer is read as a reply and throws 'Unknown code' from a 'data'
      // handler. There, stop it from retrying and end the socket (the server expires a
      // session it had after sessionTimeoutMs).
      if (manager.state === CONNECTED_STATE || manager.state === CONNECTED_READ_ONLY_STATE) {
        this.client.close();
      } else {
        manager.setState(CLOSING_STATE);
        socket?.destroy();
      }
    }));
  }

  private call<T>(what: string, run: (cb: (e: Error | zookeeper.Exception | null, value: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new ZkError(`ZooKeeper ${what}: no answer within ${this.options.opTimeoutMs} ms (${this.current})`, 'TIMEOUT')),
        this.options.opTimeoutMs,
      );
      run((e, value) => {
        clearTimeout(timer);
        if (!e) return resolve(value);
        const code = e instanceof zookeeper.Exception ? (CODE_NAMES[e.getCode()] ?? e.getName()) : 'ERROR';
        reject(new ZkError(`ZooKeeper ${what}: ${code}`, code, { cause: e }));
      });
    });
  }
}

function mapState(s: zookeeper.State): ZkState | undefined {
  if (s === zookeeper.State.SYNC_CONNECTED || s === zookeeper.State.CONNECTED_READ_ONLY) return 'connected';
  if (s === zookeeper.State.DISCONNECTED) return 'disconnected';
  if (s === zookeeper.State.EXPIRED) return 'expired';
  if (s === zookeeper.State.AUTH_FAILED) return 'auth-failed';
  return undefined;
}

function toAcls(acl: readonly ZkAcl[]): zookeeper.ACL[] {
  return acl.map((a) => new zookeeper.ACL(a.perms === 'all' ? zookeeper.Permission.ALL : zookeeper.Permission.READ, new zookeeper.Id(a.scheme, a.id)));
}
