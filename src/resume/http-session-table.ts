// Every HTTP session the router keeps (onActiveLost: resume), router-wide and in memory only, keyed
// by the client-visible SessionHandle (guid + secret) and by the operations each one created: in
// HTTP mode a client opens new TCP connections freely, so a call on any connection finds its
// session here. When the active is lost every session on it is re-opened on the new active at
// once, before the client's next call (at most resumeConcurrency at a time: resume-coordinator.ts).
// A session no call named for resumeHttpIdleMs is forgotten, with its kept login.
import { setMaxListeners } from 'node:events';
import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { RouterObserver } from '../observe.js';
import type { ClusterState, StateChange } from '../cluster/cluster-state.js';
import type { ChecksView } from '../cluster/evidence.js';
import type { HttpOpenKit } from '../handshake/handshake.js';
import { readMessage } from '../wire/http-exchange.js';
import type { HttpHead } from '../wire/http-message.js';
import { handleBytes, handleKey, readCall, type CallView, type ReplyView } from '../wire/tcli-view.js';
import type { Pending } from './session-ledger.js';
import { CookieLogins } from './http-cookies.js';
import { reattachHttp, type HttpRoute } from './http-reattach.js';
import { HttpSession } from './http-session.js';
import { awaitNodeReturn } from './node-return.js';
import type { ResumeFailure } from './reattach.js';
import { HISTORY_LIMITS, type ResumeCoordinator } from './resume-coordinator.js';

/** How often idle sessions are looked for, at most. */
const SWEEP_MS = 60_000;

export class HttpSessionTable {
  private readonly sessions = new Map<string, HttpSession>();
  private readonly byOperation = new Map<string, HttpSession>();
  private readonly cookies = new CookieLogins();
  private readonly sweeper: NodeJS.Timeout;
  private readonly unsubscribe: () => void;
  private readonly stopping = new AbortController();

  constructor(
    private readonly cluster: ClusterState,
    private readonly checks: ChecksView,
    private readonly coordinator: ResumeCoordinator,
    private readonly config: () => RouterConfig,
    private readonly log: Logger,
    private readonly observer: RouterObserver,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(SWEEP_MS, config().resumeHttpIdleMs));
    this.sweeper.unref();
    this.unsubscribe = cluster.onChange(this.onChange);
    setMaxListeners(0, this.stopping.signal); // one listener per session waiting for its node
  }

  get size(): number {
    return this.sessions.size;
  }

  get limits(): { maxHeaderBytes: number; maxBodyBytes: number } {
    const { handshake } = this.config();
    return { maxHeaderBytes: handshake.maxHeaderBytes, maxBodyBytes: handshake.maxBufferedBytes };
  }

  /** A node answered an OpenSession with a success: the session is kept from here. */
  opened(id: number, clientHandle: Buffer, nodeName: string, kit: HttpOpenKit, route: HttpRoute): HttpSession {
    const session = new HttpSession(id, clientHandle, nodeName, kit, route, HISTORY_LIMITS, this.cookies);
    this.sessions.set(clientHandle.toString('hex'), session);
    return session;
  }

  /** The session a call names (its session handle, or an operation it created). */
  lookup(body: Buffer, call: CallView): HttpSession | undefined {
    if (call.session) return this.sessions.get(handleBytes(body, call.session).toString('hex'));
    if (call.operation) return this.byOperation.get(handleKey(handleBytes(body, call.operation)));
    return undefined;
  }

  /** An OpenSession sent with a cookie alone (Hive JDBC after its first call): the login a node set that cookie for. */
  cookieLogin(head: HttpHead): string | undefined {
    return this.cookies.owners(head).find((o) => o.authorization !== undefined)?.authorization;
  }

  /** A new connection's first request names a session kept here, under the login that opened it. */
  claims(bytes: Buffer): boolean {
    const read = readMessage(bytes, 'request', this.limits);
    if (read.kind !== 'whole') return false;
    try {
      const session = this.lookup(read.message.body, readCall(read.message.body, this.limits.maxBodyBytes));
      return session !== undefined && session.honours(read.message.head);
    } catch {
      return false;
    }
  }

  /** A successful reply to a call of `session`: what its ledger and the operation index learn. */
  learned(session: HttpSession, p: Pending, reply: { message: Buffer; view: ReplyView }): void {
    session.ledger.learn(p, reply.message, reply.view);
    if (reply.view.operation) {
      const key = handleKey(handleBytes(reply.message, reply.view.operation));
      session.ops.add(key);
      this.byOperation.set(key, session);
    }
    if (p.call.name === 'CloseOperation') this.forget(session, p.message, p.call);
    if (p.call.name === 'CloseSession') this.drop(session);
  }

  /** The operation a call names is gone (closed, or answered closed by the router). */
  forget(session: HttpSession, body: Buffer, call: CallView): void {
    session.ledger.forget(body, call);
    if (!call.operation) return;
    const key = handleKey(handleBytes(body, call.operation));
    session.ops.delete(key);
    this.byOperation.delete(key);
  }

  /** CloseSession answered, or forgotten: nothing of it is kept. */
  drop(session: HttpSession): void {
    this.sessions.delete(session.clientHandle.toString('hex'));
    for (const key of session.ops) this.byOperation.delete(key);
    session.ops.clear();
    session.ledger.clear();
    if (session.resumes > 0) this.coordinator.resumedSessionEnded();
  }

  private sweep(): void {
    const before = Date.now() - this.config().resumeHttpIdleMs;
    let dropped = 0;
    for (const session of [...this.sessions.values()]) {
      if (session.state === 'resuming' || session.lastUsed > before) continue;
      this.drop(session);
      dropped++;
    }
    this.cookies.sweep(before);
    if (dropped > 0) this.log.debug({ dropped, kept: this.sessions.size }, 'idle HTTP sessions forgotten (resumeHttpIdleMs)');
  }

  private readonly onChange = (change: StateChange): void => {
    if (change.from !== 'active' || this.config().onActiveLost !== 'resume') return;
    const reason = `active node ${change.node.name} lost: ${change.reason}`;
    const on = [...this.sessions.values()].filter((s) => s.nodeName === change.node.name && s.state === 'open');
    if (on.length > 0) this.log.info({ node: change.node.name, resuming: on.length }, `${reason}; resuming ${on.length} HTTP session(s)`);
    for (const session of on) this.resume(session, change.node.name, reason);
  };

  /** Re-opens `session` on the active node other than `lost` (idempotent: once per loss). */
  resume(session: HttpSession, lost: string, reason: string, confirmed = false): void {
    if (session.state !== 'open' || session.nodeName !== lost) return;
    session.state = 'resuming';
    if (!confirmed && this.cluster.active()?.config.name === lost) return this.awaitReturn(session, lost, reason);
    this.reattach(session, lost, reason);
  }

  /**
   * The session's node answered a call 307, 502 or 503: a passive's answer (it was demoted and the
   * checks have not seen it yet), or a busy active's. A check that starts now tells which: true once
   * the session is resumed elsewhere (or failed to be), false when the node is still active or no
   * role-aware check can tell (the answer then goes to the client as it came).
   */
  async rejectedBy(session: HttpSession, node: string, status: number): Promise<boolean> {
    if (session.nodeName === node && session.state === 'open') {
      if (!this.checks.roleAware()) return false;
      const { holdMs, health } = this.config();
      // Two checks' worth at most: a slow check must not hold a busy active's answer for holdMs.
      const said = await this.checks.freshCheck(node, Math.min(holdMs, 2 * (health.fastIntervalMs + health.timeoutMs)));
      // Only 'passive' confirms: a busy active's checks may time out ('down') while it lives.
      if (said !== 'passive') return false;
      this.log.info({ conn: session.id, node, status, said }, 'a session call answered as by a passive: the checks say so too; resuming the session');
      this.resume(session, node, `node ${node} answered ${status} and its check says ${said}`, true);
    }
    await session.settled();
    return true;
  }

  /** The checks still hold the session's node active: a blip keeps the session where it is (node-return.ts). */
  private awaitReturn(session: HttpSession, node: string, reason: string): void {
    const config = this.config();
    this.log.info({ conn: session.id, node, reason }, 'HTTP session node unreachable while the checks hold it active: waiting for it, or for a failover');
    // One outage, one holdMs: a node that keeps dropping the session's calls is not waited for again and again.
    const again = session.unreachableSince !== undefined;
    const deadline = (session.unreachableSince ??= Date.now()) + config.holdMs;
    const wait = { cluster: this.cluster, checks: this.checks, node, deadline, again, connectTimeoutMs: config.connectTimeoutMs, signal: this.stopping.signal };
    void awaitNodeReturn(wait)
      .then((result) => {
        if (this.stopping.signal.aborted) return session.settle('failed', 'the router stops');
        if (result === 'lost') return this.reattach(session, node, `active node ${node} lost: ${reason}`);
        if (result === 'timeout') return this.failed(session, node, 'timeout', `node ${node} unreachable for holdMs while the checks held it active`);
        this.log.info({ conn: session.id, node }, 'HTTP session node reachable again: the session goes on there');
        session.settle('open');
      })
      .catch((err: Error) => this.failed(session, node, 'timeout', `waiting for node ${node}: ${err.message}`)); // never an unhandled rejection
  }

  private reattach(session: HttpSession, lost: string, reason: string): void {
    if (session.ledger.history.overflowed) return this.failed(session, lost, 'not-resumable', 'its history passed the cap');
    const started = Date.now();
    const config = this.config();
    this.log.info({ conn: session.id, node: lost, reason }, 'resuming HTTP session');
    const login = session.route.authorization !== undefined;
    const work = this.coordinator.within(session.user, login, lost, (target, deadline) =>
      reattachHttp(target, session.kit, session.route, session.ledger.history.statements, {
        connectTimeoutMs: config.connectTimeoutMs,
        deadline,
        limits: this.limits,
      }),
    );
    work.then(
      ({ node, result: r }) => {
        const ms = Date.now() - started;
        session.nodeName = node;
        session.ledger.nodeSession = r.session;
        session.ledger.generation += 1;
        session.kit = { ...session.kit, sessionName: r.sessionName, openSession: r.openSession };
        session.routerCookie = r.cookie;
        session.resumes += 1;
        session.unreachableSince = undefined;
        session.settle('open');
        this.log.info(
          { conn: session.id, from: lost, node, ms, reattached: r.reattached, replayed: r.replayed, transport: 'http' },
          r.reattached
            ? 'session resumed on the new active (same Livy session)'
            : 'session resumed on the new active (a new Livy session: its application changed)',
        );
        this.observer.sessionResumed?.({ from: lost, to: node, transport: 'http', ms, replayed: r.replayed, reattached: r.reattached });
      },
      (err: { reason?: ResumeFailure; message: string }) => this.failed(session, lost, err.reason ?? 'timeout', err.message),
    );
  }

  private failed(session: HttpSession, from: string, reason: ResumeFailure, message: string): void {
    if (reason === 'login-refused') this.coordinator.refused(session.user);
    session.settle('failed', `${reason}: ${message}`);
    this.log.warn({ conn: session.id, from, reason, why: message, transport: 'http' }, 'session not resumed: its requests close their connections');
    this.observer.resumeFailed?.(reason);
  }

  /** The router stops. */
  stop(): void {
    this.stopping.abort();
    clearInterval(this.sweeper);
    this.unsubscribe();
    this.sessions.clear();
    this.byOperation.clear();
    this.cookies.clear();
  }
}
