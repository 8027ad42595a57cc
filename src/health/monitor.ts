import type { Logger } from '../log.js';
import type { CheckConfig } from '../config/health-schema.js';
import type { NodeConfig } from '../config/schema.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import { effectiveCheck, type CheckerContext, type CheckOutcome, type CheckState } from './checker.js';
import { createChecker } from './create-checker.js';
import { applyRiseFall } from './rise-fall.js';
import { FreshCheckWaiters, quiet, type CheckDone, type MonitorOptions, type Watch } from './watch.js';

export type { CheckDone, MonitorOptions } from './watch.js';

/**
 * Checks every node in the background and feeds the results to the cluster model, after rise and
 * fall. It never touches client sockets: the router reacts to the model's changes.
 *
 * Reporting rules: role-aware checks decide roles while they run (cluster/evidence.ts has the
 * whole table of evidence):
 * - a change of verdict is reported at once (a node that just became active takes the role, even
 *   from another whose last check still said active: that check is older);
 * - a steady verdict that disagrees with the model (a client dial's evidence) is applied again at
 *   once, except "active" while another node's checks say active too (no flapping);
 * - an `alive` result (cannot tell the role) never takes the role away, and only lifts `down`.
 */
export class HealthMonitor {
  private watches: Watch[] = [];
  private stopped = false;
  private started = false;
  private readonly unsubscribe: () => void;
  private firstRoundDone: (() => void) | undefined;
  private readonly firstRoundPromise: Promise<void>;

  constructor(
    nodes: readonly NodeConfig[],
    private readonly health: CheckConfig,
    private readonly cluster: ClusterState,
    private readonly log: Logger,
    private readonly opts: MonitorOptions = {},
  ) {
    for (const node of nodes) this.addWatch(node);
    this.firstRoundPromise = new Promise<void>((resolve) => (this.firstRoundDone = resolve));
    if (this.watches.length === 0) this.firstRoundDone?.();
    this.unsubscribe = cluster.onChange((change) => {
      // The active is gone (whoever noticed): look for the next one at the fast pace.
      if (change.from === 'active' && change.to !== 'active') for (const w of this.watches) this.hurry(w);
    });
  }

  get size(): number {
    return this.watches.length;
  }

  start(): void {
    this.started = true;
    for (const w of this.watches) void this.run(w);
  }

  /**
   * A changed node list (a reload, Cloudera Manager): a node whose config is unchanged keeps its
   * watch, its verdict and its running check; a removed node's checks stop; a new node is checked
   * at once (the model holds it `new`, undialled, until then).
   */
  replaceNodes(nodes: readonly NodeConfig[]): void {
    const old = new Map(this.watches.map((w) => [JSON.stringify(w.node), w]));
    const previous = this.watches;
    this.watches = [];
    for (const node of nodes) {
      const kept = old.get(JSON.stringify(node));
      old.delete(JSON.stringify(node));
      if (kept) this.watches.push(kept);
      else {
        const w = this.addWatch(node);
        if (w && this.started && !this.stopped) void this.run(w);
      }
    }
    for (const w of previous.filter((x) => old.get(JSON.stringify(x.node)) === x)) {
      w.removed = true;
      quiet(w);
      void w.checker.close();
    }
  }

  /** Whether a node gets a checker under this config (`none` gets none). */
  checks(node: NodeConfig): boolean {
    return effectiveCheck(this.health, node).kind !== 'none';
  }

  private addWatch(node: NodeConfig): Watch | undefined {
    const check = effectiveCheck(this.health, node);
    const self: { watch?: Watch } = {};
    const ctx: CheckerContext = {
      node,
      check,
      log: this.log.child({ node: node.name, check: check.kind }),
      onProbeLost: () => {
        if (!self.watch || this.stopped || self.watch.removed) return;
        this.log.debug({ node: node.name }, 'health probe connection closed by the node; checking now');
        this.checkSoon(self.watch);
      },
    };
    const checker = (this.opts.createChecker ?? createChecker)(ctx);
    if (!checker) return undefined;
    const watch: Watch = {
      ...{ node, check, checker, verdict: undefined, streak: undefined, timer: undefined, dueAt: 0, running: false, again: false },
      ...{ lastStartAt: 0, lastWarning: undefined, checked: false, lastDone: undefined, removed: false, waiters: new FreshCheckWaiters() },
    };
    self.watch = watch;
    this.watches.push(watch);
    return watch;
  }

  /**
   * Resolves when every node has been checked once, or after `limitMs`: the service binds its
   * listeners after this, so the first clients already go straight to the known active.
   */
  async firstRound(limitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.firstRoundPromise, new Promise<void>((r) => (timer = setTimeout(r, limitMs)))]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    for (const w of this.watches) quiet(w);
    await Promise.all(this.watches.map((w) => w.checker.close()));
  }

  private async run(w: Watch): Promise<void> {
    if (this.stopped) return;
    clearTimeout(w.timer);
    w.timer = undefined;
    w.running = true;
    w.again = false;
    w.lastStartAt = Date.now();
    const run = w.waiters.begin();
    let outcome: CheckOutcome;
    try {
      outcome = await w.checker.check();
    } catch (err) {
      // Checkers resolve with an outcome; this is a bug in one, not news about the node.
      outcome = { state: 'down', reason: `check failed: ${(err as Error).message}` };
      this.log.error({ err, node: w.node.name }, 'health checker threw');
    }
    w.running = false;
    if (this.stopped || w.removed) return;
    const at = Date.now();
    w.lastDone = { node: w.node.name, at, latencyMs: at - w.lastStartAt, result: outcome.state, reason: outcome.reason };
    this.opts.onCheckDone?.(w.lastDone);
    w.waiters.answer(run, outcome.state);
    this.apply(w, outcome);
    if (!w.checked) {
      w.checked = true;
      if (this.watches.every((x) => x.checked)) this.firstRoundDone?.();
    }
    if (w.again) this.checkSoon(w);
    else this.schedule(w, this.nextDelayMs(w));
  }

  private nextDelayMs(w: Watch): number {
    const changing = w.streak !== undefined || w.verdict === undefined || this.cluster.active() === undefined;
    return changing ? w.check.fastIntervalMs : w.check.intervalMs;
  }

  private schedule(w: Watch, delayMs: number): void {
    clearTimeout(w.timer);
    w.dueAt = Date.now() + delayMs;
    w.timer = setTimeout(() => void this.run(w), delayMs);
  }

  /** Check at the fast pace from now on: pull a later scheduled check forward. */
  private hurry(w: Watch): void {
    if (w.running || this.stopped) return;
    const due = Math.max(w.lastStartAt + w.check.fastIntervalMs, Date.now());
    if (w.dueAt > due) this.schedule(w, due - Date.now());
  }

  /** Check now, but never more often than the fast interval (a node that closes every connection must not make us spin). */
  private checkSoon(w: Watch): void {
    if (this.stopped || w.removed) return;
    if (w.running) {
      w.again = true;
      return;
    }
    const delayMs = Math.max(0, w.lastStartAt + w.check.fastIntervalMs - Date.now());
    if (w.timer === undefined || w.dueAt > Date.now() + delayMs) this.schedule(w, delayMs);
  }

  private apply(w: Watch, outcome: CheckOutcome): void {
    const name = w.node.name;
    this.log.trace({ node: name, state: outcome.state, reason: outcome.reason }, 'health check');
    if (outcome.misconfigured && w.lastWarning !== outcome.reason) {
      this.log.warn({ node: name, check: w.check.kind, reason: outcome.reason }, `health check of ${name} cannot tell its role: ${outcome.reason}`);
    }
    w.lastWarning = outcome.misconfigured ? outcome.reason : undefined;
    const fresh = applyRiseFall(w, outcome.state, w.check);
    if (fresh) this.log.debug({ node: name, verdict: w.verdict, reason: outcome.reason }, 'health verdict changed');
    if (outcome.state === w.verdict) this.report(w, fresh, outcome.reason);
    if (outcome.activeHint) this.followHint(outcome.activeHint);
  }

  private report(w: Watch, fresh: boolean, reason: string): void {
    const name = w.node.name;
    const current = this.cluster.get(name);
    if (!current || current.state === w.verdict) return;
    const why = `${w.check.kind} check: ${reason}`;
    switch (w.verdict) {
      case 'active': {
        // A steady verdict that disagrees with the model is applied again at once (it heals a
        // dial's evidence), unless another node's checks say active too: then the newer change stands.
        const other = this.cluster.active();
        if (!fresh && other && this.verdict(other.config.name) === 'active') return;
        this.cluster.report(name, 'active', why, 'check');
        return;
      }
      case 'passive':
      case 'down':
        this.cluster.report(name, w.verdict, why, 'check');
        return;
      case 'alive':
        if (current.state === 'down' || current.state === 'new')
          this.cluster.report(name, 'unknown', `${w.check.kind} check: reachable again (${reason})`, 'check');
    }
  }

  /** What the checks say of a node now (after rise/fall), and its last finished check; undefined when not checked. */
  verdict = (name: string): CheckState | undefined => this.watches.find((w) => w.node.name === name)?.verdict;
  lastCheck = (name: string): CheckDone | undefined => this.watches.find((w) => w.node.name === name)?.lastDone;

  /** Check a node now (a client saw it refuse), no more often than the fast interval. */
  checkNow(name: string): void {
    const w = this.watches.find((x) => x.node.name === name);
    if (w) this.checkSoon(w);
  }

  /** See ChecksView.freshCheck (cluster/evidence.ts). */
  freshCheck(name: string, timeoutMs: number): Promise<CheckState | undefined> {
    const w = this.watches.find((x) => x.node.name === name);
    if (w) this.checkSoon(w);
    return w && !this.stopped ? w.waiters.add(timeoutMs) : Promise.resolve(undefined);
  }

  private followHint(hint: { host: string; port: number }): void {
    const target = this.watches.find((x) => x.node.host === hint.host && x.node.restPort === hint.port);
    if (target && this.cluster.get(target.node.name)?.state !== 'active') this.checkSoon(target);
  }
}
