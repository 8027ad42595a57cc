import type net from 'node:net';
import type { Logger } from '../log.js';
import type { NodeConfig, RouterConfig } from '../config/schema.js';
import type { NodeReader } from '../session/node-reader.js';
import { dial, type Dial, type ReadySource } from './dial.js';
import { isLocalError } from './local-errors.js';
import type { TrialNode } from './node-trial.js';

/** The part of the cluster model the set follows (cluster/cluster-state.ts's ClusterState fits). */
export interface ActiveSource {
  active(): TrialNode | undefined;
  onChange(listener: () => void): () => void;
}

/** What /status shows of the set: how many wait now, and what happened to them since the start. */
export interface ReadyStats {
  /** The node the set holds connections to (the active), or null. */
  node: string | null;
  /** Connected and waiting for a client now. */
  ready: number;
  /** TCP connects the set made (each becomes one ready connection, or fails). */
  opened: number;
  /** Handed to a client whose first message was complete. */
  taken: number;
  /** Taken, failed before the node sent a byte, and retried on a fresh dial (upstream/node-trial.ts). */
  retried: number;
  /** Closed by the set before the node's login timeout, and replaced. */
  expired: number;
  /** Closed because the active changed, the node closed or spoke first, or the router stopped. */
  dropped: number;
  /** Connects that failed (refused, timed out). */
  failed: number;
}

interface Ready {
  readonly socket: net.Socket;
  readonly reader: NodeReader;
  readonly openedAt: number;
  timer: NodeJS.Timeout | undefined;
  onGone: () => void;
}

/** After a failed connect, or a node that closed a ready connection within this time, wait this long before dialling again. */
const BACKOFF_MS = 1000;

/**
 * A small set of connected, silent TCP connections to the active node, so that a client whose
 * first message is complete does not wait for the node's connect (issue 22). Our own bounded list,
 * not generic-pool: a connection here serves exactly one client and never comes back (no release,
 * no validation on borrow), the set must be emptied at once when the active changes, and its size
 * is a hard cap (each one holds a worker thread on a binary-mode Livy node). generic-pool would
 * bring acquire queues, priorities and eviction runs none of which apply.
 *
 * Rules: connections go only to the node the cluster model holds active, are dropped when that
 * changes, are replaced before the node's login timeout (maxAgeMs), and a node that speaks first
 * or closes one only loses that one. A connect failure here is not evidence about the node: the
 * health checks and real client trials decide roles.
 */
export class ReadyConnections implements ReadySource {
  private target: NodeConfig | undefined;
  private readonly ready: Ready[] = [];
  private readonly dialling = new Set<Dial>();
  private backoff: NodeJS.Timeout | undefined;
  /** The refill after a take, run once the taking client's bytes are on their way (setImmediate). */
  private refill: NodeJS.Immediate | undefined;
  private stopped = false;
  private readonly unsubscribe: () => void;
  private readonly counts = { opened: 0, taken: 0, retried: 0, expired: 0, dropped: 0, failed: 0 };

  constructor(
    private readonly cluster: ActiveSource,
    private readonly config: () => RouterConfig,
    private readonly log: Logger,
    /** A connect that failed for want of a local resource (EMFILE, ...): the router's problem, reported like a trial's. */
    private readonly localError: (where: string, detail: string) => void = () => {},
  ) {
    this.unsubscribe = cluster.onChange(() => this.follow());
  }

  /** Starts filling (the listeners are bound); follows the active from here on. */
  start(): void {
    this.follow();
  }

  stats(): ReadyStats {
    return { node: this.target?.name ?? null, ready: this.ready.length, ...this.counts };
  }

  /**
   * A ready connection to `node`, if it is the active one and the set holds one; it leaves the set
   * for good (a replacement is dialled at once). The socket comes with none of the set's listeners,
   * reading through `reader` whose sink is a no-op: the caller attaches its own in the same tick.
   */
  take(node: TrialNode): Dial | undefined {
    if (node.state !== 'active' || node.config !== this.target) return undefined;
    const r = this.ready.shift();
    if (!r) return undefined;
    this.release(r);
    this.counts.taken++;
    // Not now: the connect syscall would run before the client's bytes are written (issue 22).
    this.refill ??= setImmediate(() => {
      this.refill = undefined;
      this.fill();
    });
    const { socket, reader } = r;
    // Already connected: the trial's onConnected destroys it if the client left meanwhile.
    return { reader, connected: Promise.resolve(socket), cancel: () => {} };
  }

  /** After a reload: a smaller count closes the excess now, a larger one fills up. */
  reconfigured(): void {
    const excess = this.ready.length - this.config().readyConnections.count;
    for (const r of this.ready.slice(0, Math.max(0, excess))) if (this.remove(r)) this.counts.dropped++;
    this.follow();
  }

  /** A taken connection failed before the node said a word and the client was retried on a fresh dial. */
  retried(): void {
    this.counts.retried++;
  }

  /** The configured cap now (for the descriptor budget): each ready connection is one descriptor. */
  get max(): number {
    return this.config().readyConnections.count;
  }

  close(): void {
    this.stopped = true;
    this.unsubscribe();
    clearTimeout(this.backoff);
    this.backoff = undefined;
    clearImmediate(this.refill);
    this.refill = undefined;
    this.dropAll('router stopping');
  }

  private follow(): void {
    if (this.stopped) return;
    const active = this.cluster.active()?.config;
    if (active !== this.target) {
      if (this.target) this.dropAll(`node ${this.target.name} is no longer the active one`);
      this.target = active;
      clearTimeout(this.backoff);
      this.backoff = undefined;
    }
    this.fill();
  }

  private fill(): void {
    const target = this.target;
    if (this.stopped || !target || this.backoff) return;
    const { readyConnections, connectTimeoutMs, session } = this.config();
    while (this.ready.length + this.dialling.size < readyConnections.count) {
      const d = dial(target, connectTimeoutMs, session);
      this.dialling.add(d);
      this.counts.opened++;
      d.connected.then(
        (socket) => {
          this.dialling.delete(d);
          if (this.stopped || target !== this.target) {
            socket.destroy();
            return;
          }
          this.add(socket, d.reader, readyConnections.maxAgeMs);
        },
        (err: Error & { cause?: NodeJS.ErrnoException }) => {
          if (!this.dialling.delete(d)) return; // cancelled by dropAll
          this.counts.failed++;
          const code = err.cause?.code;
          if (code !== undefined && isLocalError(code)) this.localError(`dialling ${target.name} (ready connection)`, err.message);
          this.log.debug({ node: target.name, err: err.message }, 'ready connection: connect failed');
          this.pause();
        },
      );
    }
  }

  private add(socket: net.Socket, reader: NodeReader, maxAgeMs: number): void {
    const r: Ready = { socket, reader, openedAt: Date.now(), timer: undefined, onGone: () => {} };
    // A Thrift server never speaks first, and a closed one is useless: either way it goes.
    r.onGone = () => this.gone(r);
    reader.sink = r.onGone;
    socket.on('error', r.onGone);
    socket.on('end', r.onGone);
    socket.on('close', r.onGone);
    r.timer = setTimeout(() => this.expire(r), maxAgeMs);
    this.ready.push(r);
  }

  /** Stops watching `r`; the socket keeps an 'error' guard until whoever owns it next attaches its own. */
  private release(r: Ready): void {
    clearTimeout(r.timer);
    const { socket } = r;
    socket.off('end', r.onGone);
    socket.off('close', r.onGone);
    socket.off('error', r.onGone);
    r.reader.sink = () => {};
  }

  private remove(r: Ready): boolean {
    const i = this.ready.indexOf(r);
    if (i < 0) return false;
    this.ready.splice(i, 1);
    this.release(r);
    r.socket.on('error', () => {});
    r.socket.destroy();
    return true;
  }

  private expire(r: Ready): void {
    if (!this.remove(r)) return;
    this.counts.expired++;
    this.fill();
  }

  private gone(r: Ready): void {
    if (!this.remove(r)) return;
    this.counts.dropped++;
    // A node that closes what it just accepted would make the set spin: wait before the next dial.
    if (Date.now() - r.openedAt < BACKOFF_MS) this.pause();
    else this.fill();
  }

  private pause(): void {
    if (this.backoff || this.stopped) return;
    this.backoff = setTimeout(() => {
      this.backoff = undefined;
      this.fill();
    }, BACKOFF_MS);
  }

  private dropAll(reason: string): void {
    const n = this.ready.length + this.dialling.size;
    for (const d of this.dialling) d.cancel();
    this.dialling.clear();
    for (const r of [...this.ready]) this.remove(r);
    this.counts.dropped += n;
    if (n > 0) this.log.debug({ node: this.target?.name, count: n, reason }, 'ready connections dropped');
  }
}
