import type { HiveSessionHandle, HiveTarget } from '../../sim/hive-client.js';
import type { Simulator } from './load-simulator.js';

/** One line for the demo's output, already timed by the caller. */
export type Print = (line: string) => void;

/** Opens one connection to the router: `viaZk` says whether it was found in ZooKeeper (demo-zookeeper.ts). */
export type DemoConnect = <T>(open: (target: HiveTarget) => Promise<T>) => Promise<{ value: T; viaZk: boolean }>;

const pad = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s.padEnd(n));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
/** Marks an answer on a connection that found the router in ZooKeeper. */
const route = (viaZk: boolean) => (viaZk ? 'zk ' : '');

/**
 * What a user of the router would notice: answers, failures, and how long they went without an
 * answer (from a failure or a cut to the next answer on the same client).
 */
class Outcomes {
  ok = 0;
  failed = 0;
  longestGapMs = 0;
  private failingSince: number | undefined;

  succeeded(now = Date.now()): number | undefined {
    this.ok++;
    if (this.failingSince === undefined) return undefined;
    const gap = now - this.failingSince;
    this.failingSince = undefined;
    this.longestGapMs = Math.max(this.longestGapMs, gap);
    return gap;
  }

  lost(now = Date.now(), counts = true): void {
    if (counts) this.failed++;
    this.failingSince ??= now;
  }
}

/**
 * The demo's two clients through the router: a new connection for every query (a BI tool's
 * short queries), and one long-lived session querying on the same connection (a notebook), which
 * the router cuts when its node stops being active and which then reconnects.
 */
export class DemoClients {
  private readonly short = new Outcomes();
  private readonly long = new Outcomes();
  private session: HiveSessionHandle | undefined;
  private sessionNode: string | undefined;
  private sessionViaZk = false;
  private sessionOpenedAt = 0;
  private opening = false;
  private sessionBusy = false;
  private stopped = false;
  private cuts = 0;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly client: Pick<Simulator, 'queryNode' | 'openHiveSession'>,
    private readonly connect: DemoConnect,
    private readonly print: Print,
  ) {}

  /** One round: a short query, and a query on the long-lived session (opened if needed). */
  tick(): void {
    this.track(this.shortQuery());
    if (!this.session && !this.opening) this.track(this.openSession());
    else if (this.session && !this.sessionBusy) this.track(this.sessionQuery(this.session));
  }

  summary(): string[] {
    const queries = this.short.ok + this.short.failed + this.long.ok + this.long.failed;
    const failed = this.short.failed + this.long.failed;
    return [
      `queries: ${queries} (${failed} failed); session cut and reopened: ${this.cuts} time(s)`,
      `longest client-visible gap: ${this.short.longestGapMs} ms (new connections), ${this.long.longestGapMs} ms (session)`,
    ];
  }

  /** Stops querying, closes the session, waits for queries in flight (each bounded by its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    const session = this.session;
    this.session = undefined;
    await Promise.allSettled([...this.inFlight, session?.close()]);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async shortQuery(): Promise<void> {
    const started = Date.now();
    try {
      const { value: node, viaZk } = await this.connect((target) => this.client.queryNode(target));
      if (this.stopped) return;
      const gap = this.short.succeeded();
      this.print(`query    ${route(viaZk)}${pad(node, 8)} ${String(Date.now() - started).padStart(5)} ms${gap ? `   (answered again after ${gap} ms)` : ''}`);
    } catch (err) {
      if (this.stopped) return;
      this.short.lost(started);
      this.print(`query    FAILED: ${(err as Error).message}`.slice(0, 66));
    }
  }

  private async openSession(): Promise<void> {
    this.opening = true;
    const started = Date.now();
    try {
      const { value: session, viaZk } = await this.connect((target) => this.client.openHiveSession(target));
      if (this.stopped) {
        await session.close();
        return;
      }
      this.session = session;
      this.sessionViaZk = viaZk;
      this.sessionOpenedAt = Date.now();
      session.onClose((info) => {
        if (info.reason === 'connection-lost') this.cut(session);
      });
      await this.sessionQuery(session, `opened in ${Date.now() - started} ms`);
    } catch (err) {
      if (this.stopped) return;
      this.long.lost(started);
      this.print(`session  open FAILED: ${(err as Error).message}`.slice(0, 66));
    } finally {
      this.opening = false;
    }
  }

  /** The session's connection was closed under it (by the router, at a failover): reopen. */
  private cut(session: HiveSessionHandle): void {
    if (this.stopped || this.session !== session) return;
    this.session = undefined;
    this.cuts++;
    this.long.lost(Date.now(), false);
    this.print(`session  CUT after ${secs(Date.now() - this.sessionOpenedAt)} on ${this.sessionNode ?? '?'}; reconnecting`);
    this.track(this.openSession());
  }

  private async sessionQuery(session: HiveSessionHandle, note = ''): Promise<void> {
    this.sessionBusy = true;
    const started = Date.now();
    try {
      const { rows } = await session.query('SELECT node');
      if (this.stopped || this.session !== session) return;
      const node = String(rows[0]?.node);
      const reopened = this.sessionNode !== undefined && note !== '';
      this.sessionNode = node;
      const gap = this.long.succeeded();
      const extra = reopened && gap !== undefined ? `   REOPENED, ${gap} ms after the cut` : note ? `   ${note}` : '';
      this.print(`session  ${route(this.sessionViaZk)}${pad(node, 8)} ${String(Date.now() - started).padStart(5)} ms${extra}`);
    } catch {
      if (session.isClosed) return this.cut(session);
      // A timed-out call leaves the session suspect: reopen.
      if (this.stopped || this.session !== session) return;
      this.long.lost(started);
      this.session = undefined;
      await session.close();
    } finally {
      this.sessionBusy = false;
    }
  }
}
