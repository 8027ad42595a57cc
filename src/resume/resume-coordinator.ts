// Where resumable sessions go when their node is lost: it waits for an active node other than the
// lost one (up to holdMs), reattaches at most `resumeConcurrency` sessions at a time (a thousand
// sessions must not stampede the new active), stops re-logging-in a user the new node refused (no
// LDAP lockout by a storm of re-logins), logs each outcome once and feeds the metrics.
import type net from 'node:net';
import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { RouterObserver } from '../observe.js';
import type { RegisteredSession, SessionRegistry } from '../session/registry.js';
import type { ClusterState } from '../cluster/cluster-state.js';
import type { ChecksView } from '../cluster/evidence.js';
import type { DialTarget } from '../upstream/dial.js';
import { resumeTarget } from './resume-target.js';
import { reattach, ResumeError, type Reattached, type ResumeFailure } from './reattach.js';
import type { ResumeHost, ResumeSubject } from './resume-host.js';
import { ReloginGate, type ReloginVerdict } from './relogin-gate.js';

/** How many session-state statements, and how many bytes of them, a session may keep. */
export const HISTORY_LIMITS = { maxStatements: 200, maxBytes: 256 * 1024 };

/** The longest the router keeps a socket to a lost node that is neither down nor passive. */
const RETIRE_MS = 60_000;

export class ResumeCoordinator implements ResumeHost {
  private readonly retiring = new Set<() => void>();
  readonly history = HISTORY_LIMITS;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  /** One re-login per user until the new active answered one; refused users are not tried again. */
  private readonly relogins = new ReloginGate(() => this.config().holdMs);
  private readonly users = new WeakMap<ResumeSubject, string | undefined>();
  /** The owner of each session for the registry (the connection object it filed). */
  private readonly owners = new WeakMap<ResumeSubject, RegisteredSession>();
  /** When a session was last re-opened on the node it lost (its connection dropped, the node lived on). */
  private readonly sameNodeAt = new WeakMap<ResumeSubject, number>();

  constructor(
    private readonly cluster: ClusterState,
    private readonly checks: ChecksView,
    private readonly registry: SessionRegistry,
    private readonly config: () => RouterConfig,
    private readonly log: Logger,
    private readonly observer: RouterObserver,
  ) {}

  get maxBytes(): number {
    return this.config().handshake.maxBufferedBytes;
  }

  /** A new resumable session: its login name and the object the registry holds for it. */
  track(session: ResumeSubject, user: string | undefined, owner: RegisteredSession): void {
    this.users.set(session, user);
    this.owners.set(session, owner);
  }

  /** Binary: the session's node may be `lost` itself when only the connection dropped (resume-target.ts), once per holdMs per session. */
  async reattach(session: ResumeSubject, lost: string): Promise<{ node: string; result: Reattached }> {
    const last = this.sameNodeAt.get(session);
    const sameNode = last === undefined || Date.now() - last > this.config().holdMs;
    const done = await this.within(
      this.users.get(session) ?? '',
      session.kit.login.length > 0,
      lost,
      (target, deadline, loginAccepted) =>
        reattach(target, session.kit, session.historyStatements, {
          connectTimeoutMs: this.config().connectTimeoutMs,
          deadline,
          maxBytes: this.maxBytes,
          // The user's other sessions need not wait for this one's OpenSession and replay.
          onLoginAccepted: loginAccepted,
        }),
      sameNode,
    );
    if (done.node === lost) this.sameNodeAt.set(session, Date.now());
    return done;
  }

  /**
   * Runs `work` against the active node that is not `lost`, in a resume slot (at most
   * resumeConcurrency at a time). `login`: the work repeats `user`'s login, so it waits while
   * another session of that user re-logs in, and is not tried when the new active refused the
   * user a moment ago (relogin-gate.ts). Throws ResumeError.
   */
  async within<T>(
    user: string,
    login: boolean,
    lost: string,
    work: (target: DialTarget, deadline: number, loginAccepted: () => void) => Promise<T>,
    sameNode = false,
  ): Promise<{ node: string; result: T }> {
    const config = this.config();
    const deadline = Date.now() + config.holdMs + config.handshake.timeoutMs;
    const settle = login ? await this.relogins.enter(user) : undefined;
    let verdict: ReloginVerdict = 'unknown';
    try {
      await this.slot(deadline);
      try {
        let target = await resumeTarget(this.cluster, this.checks, lost, Date.now() + config.holdMs, sameNode);
        let result: T;
        try {
          result = await work(target, deadline, () => settle?.('accepted'));
        } catch (err) {
          // Back on the same node and it failed there: wait for another active after all.
          if (target.name !== lost || (err instanceof ResumeError && err.reason === 'login-refused')) throw err;
          target = await resumeTarget(this.cluster, this.checks, lost, deadline - config.handshake.timeoutMs, false);
          result = await work(target, deadline, () => settle?.('accepted'));
        }
        verdict = 'accepted';
        return { node: target.name, result };
      } finally {
        this.release();
      }
    } catch (err) {
      if (err instanceof ResumeError && err.reason === 'login-refused') verdict = 'refused';
      throw err;
    } finally {
      settle?.(verdict);
    }
  }

  /** A re-login of `user` was refused: its other sessions are not re-logged in for holdMs. */
  refused(user: string): void {
    this.relogins.refuse(user);
  }

  /**
   * Livy closes a binary connection's session when the connection drops, and closing the last user
   * of a session it started stops the application, which the session now uses on the new active.
   * A killed node's socket is closed already, and a passive node no longer owns the session: close
   * the old socket once the checks see the node passive, or after RETIRE_MS (a node hung that long
   * lost its leadership when its ZooKeeper session expired). 'down' is not enough: a hung node is
   * marked down by its failed checks, and may wake up still believing it leads.
   */
  retire(socket: net.Socket, node: string): void {
    const safe = (): boolean => (this.cluster.get(node)?.state ?? 'passive') === 'passive';
    if (socket.destroyed || safe()) return void socket.destroy();
    let retired = false;
    const done = (): void => {
      if (retired) return;
      retired = true;
      clearTimeout(timer);
      unsubscribe();
      this.retiring.delete(done);
      socket.destroy();
    };
    const timer = setTimeout(done, RETIRE_MS);
    const unsubscribe = this.cluster.onChange((change) => {
      if (change.node.name === node && safe()) done();
    });
    socket.once('close', done);
    this.retiring.add(done);
  }

  /** The router stops: every socket kept for retirement is closed now. */
  stop(): void {
    for (const done of [...this.retiring]) done();
  }

  moved(session: ResumeSubject, from: string): void {
    const owner = this.owners.get(session);
    if (owner) this.registry.move(owner, from);
  }

  resumed(session: ResumeSubject, from: string, ms: number, r: Reattached): void {
    const where = from === session.nodeName ? 'on the same node (its connection dropped; the node is still active)' : 'on the new active';
    const what = r.reattached ? 'same Livy session' : 'a new Livy session: its application changed';
    this.log.info({ conn: session.id, from, node: session.nodeName, ms, reattached: r.reattached, replayed: r.replayed }, `session resumed ${where} (${what})`);
    this.observer.sessionResumed?.({ from, to: session.nodeName, transport: session.kit.framing, ms, replayed: r.replayed, reattached: r.reattached });
  }

  /** Its reattached Livy session is not managed: it lives until Livy's session timeout (counted). */
  resumedSessionEnded(): void {
    this.observer.resumedSessionEnded?.();
  }

  failed(session: ResumeSubject, from: string, reason: ResumeFailure, message: string): void {
    if (reason === 'login-refused') this.refused(this.users.get(session) ?? '');
    this.log.warn({ conn: session.id, from, reason, why: message }, 'session not resumed: the client is closed');
    this.observer.resumeFailed?.(reason);
  }

  private async slot(deadline: number): Promise<void> {
    if (this.running < this.config().resumeConcurrency) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(new ResumeError('timeout', 'no resume slot before the deadline'));
        },
        Math.max(0, deadline - Date.now()),
      );
      const go = (): void => {
        clearTimeout(timer);
        this.running++;
        resolve();
      };
      this.waiting.push(go);
    });
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }
}
