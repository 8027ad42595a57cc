import type { Logger } from '../log.js';
import type { RouterObserver } from '../observe.js';
import type { ClusterState } from './cluster-state.js';
import type { TrialResult } from '../upstream/node-trial.js';

/** Refused or timed-out connects in a row (from any clients) that mark a node down. */
export const DIAL_FALL = 2;
/** While the last local error is this recent, the router reports itself not ready. */
const LOCAL_ERROR_RECENT_MS = 5000;
/** At most one log line per this many ms for local errors; the rest are counted in it. */
const LOCAL_ERROR_LOG_EVERY_MS = 10_000;

/** What the health checks can be asked, late-bound: the monitor is replaced on a reload. */
export interface ChecksView {
  /** True when every node's health check can tell roles (ha-status, rest, thrift). */
  roleAware(): boolean;
  /** What the checks say of a node now, after rise/fall; undefined when not checked. */
  verdict(node: string): 'active' | 'passive' | 'down' | 'alive' | undefined;
  /** Asks the checks to look at a node now (no-op without checks). */
  checkNow(node: string): void;
  /**
   * The answer of a check of `node` that starts after this call (before rise/fall), asked for now;
   * undefined when the node has no checker, the router stops, or none ends within `timeoutMs`.
   */
  freshCheck(node: string, timeoutMs: number): Promise<'active' | 'passive' | 'down' | 'alive' | undefined>;
}

export interface EvidenceOptions {
  readonly cluster: ClusterState;
  readonly checks: ChecksView;
  readonly log: Logger;
  readonly observer: RouterObserver;
}

/**
 * What client trials tell the cluster model, and how much. Every piece of evidence about who is
 * active has a source and a weight (docs/cluster-model.md has the table):
 *
 * - Role-aware health checks (ha-status, rest, thrift) decide roles while they run; a steady
 *   verdict that disagrees with the model is applied again at once (health/monitor.ts).
 * - A parsed positive answer (binary: SASL COMPLETE and an OpenSession success; HTTP: a 2xx whose
 *   body is an OpenSession success) proves the node serves: it becomes the active, unless the
 *   role-aware checks hold it passive or down (then the checks decide, at their next look).
 * - Refused or timed-out connects, DIAL_FALL in a row, mean the node stopped accepting TCP: down.
 * - A refusal in the handshake (SASL BAD, an OpenSession error, an HTTP 503, a reset or close
 *   after connect, no answer) is evidence about that one client: a wrong password looks the same.
 *   It changes no state and cuts nobody; from the believed active it asks the checks to look now.
 * - A blind commit (TLS, an unparsed answer, Kerberos) proves nothing and changes nothing.
 * - Local errors (EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL) are the router's own: no node
 *   state changes; they are logged at error (rate-limited), counted, and /readyz says not ready
 *   while they last.
 *
 * So a rejection seen by one client never closes other clients' sessions by itself: sessions are
 * closed when the checks say their node is passive or down, when it stops accepting TCP, or when
 * another node has proven active.
 */
export class Evidence {
  private readonly connectFailures = new Map<string, number>();
  private lastLocalErrorAt = 0;
  private lastLocalLogAt = 0;
  private unloggedLocalErrors = 0;

  constructor(private readonly opts: EvidenceOptions) {}

  /** `believedActive`: the node that was active in the model when the trial began. */
  trialEnded(result: TrialResult, believedActive: string | undefined): void {
    const { cluster, log } = this.opts;
    for (const r of result.records) {
      if (r.outcome === 'local-error') {
        this.localError(`dialling ${r.node}`, r.reason);
      } else if (r.outcome === 'connect-refused' || r.outcome === 'connect-timeout') {
        const n = (this.connectFailures.get(r.node) ?? 0) + 1;
        this.connectFailures.set(r.node, n);
        if (n >= DIAL_FALL) cluster.report(r.node, 'down', `${n} connects in a row failed, last: ${r.reason}`, 'dial');
      } else {
        this.connectFailures.delete(r.node);
        if (r.node === believedActive) {
          log.debug({ node: r.node, reason: r.reason }, 'the believed active refused a client: checking it now');
          this.opts.checks.checkNow(r.node);
        }
      }
    }
    if (result.kind !== 'committed') return;
    const name = result.node.config.name;
    this.connectFailures.delete(name);
    if (result.proof !== 'parsed') return;
    const { checks } = this.opts;
    const verdict = checks.verdict(name);
    if (checks.roleAware() && (verdict === 'passive' || verdict === 'down')) {
      log.debug({ node: name, verdict }, 'a client was served by a node the checks hold not active: leaving it to the checks');
      checks.checkNow(name);
      return;
    }
    cluster.report(name, 'active', 'answered a client OpenSession with success', 'dial');
  }

  /** An error of the router's own host (at accept or dial). */
  localError(where: string, detail: string): void {
    const now = Date.now();
    this.lastLocalErrorAt = now;
    this.opts.observer.localError();
    this.unloggedLocalErrors++;
    if (now - this.lastLocalLogAt < LOCAL_ERROR_LOG_EVERY_MS) return;
    this.opts.log.error(
      { where, detail, count: this.unloggedLocalErrors },
      `router out of a local resource (${where}: ${detail}); no node is blamed for it (${this.unloggedLocalErrors} such error(s) since the last line)`,
    );
    this.lastLocalLogAt = now;
    this.unloggedLocalErrors = 0;
  }

  roleAwareChecks(): boolean {
    return this.opts.checks.roleAware();
  }

  /** The role-aware checks say this node is the active one. */
  checksConfirmActive(node: string): boolean {
    return this.opts.checks.roleAware() && this.opts.checks.verdict(node) === 'active';
  }

  /** True while local errors are recent: /readyz reports not ready. */
  localErrorsRecent(): boolean {
    return Date.now() - this.lastLocalErrorAt < LOCAL_ERROR_RECENT_MS;
  }
}
