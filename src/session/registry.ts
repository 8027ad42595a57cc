import { noopObserver, type RouterObserver, type SessionSummary } from '../observe.js';
import { Session, type SessionInit } from './session.js';

/** A committed session as the registry sees it: a plain Session, or a resumable one. */
export interface RegisteredSession {
  readonly nodeName: string;
  readonly done: Promise<unknown>;
  destroy(reason: string): void;
  close(reason: string): void;
  /** onActiveLost: resume: move to the new active; false when this session cannot. */
  resume?(reason: string): boolean;
}

export interface OpenRequest extends Omit<SessionInit, 'onDone'> {
  /** The client had half-closed before the commit. */
  readonly clientEnded: boolean;
}

/**
 * Every committed session, by node, from its open to its end: what is closed when a node stops
 * being the active one. The commit opens a session here and the session's end takes it out.
 */
export class SessionRegistry {
  private readonly byNode = new Map<string, Set<RegisteredSession>>();

  constructor(private readonly observer: RouterObserver = noopObserver) {}

  /** The commit: both sockets become a Session, which owns them from here to their close. */
  open(req: OpenRequest): Session {
    const { clientEnded, ...init } = req;
    const session = new Session({ ...init, onDone: this.ended });
    this.adopt(session, init.transport);
    session.start(clientEnded);
    return session;
  }

  /** A session opened elsewhere (a resumable one): filed here; it calls `ended` when done. */
  adopt(session: RegisteredSession, transport: string): void {
    this.file(session, session.nodeName);
    this.observer.sessionOpened(session.nodeName, transport);
  }

  private file(session: RegisteredSession, node: string): void {
    let set = this.byNode.get(node);
    if (!set) this.byNode.set(node, (set = new Set()));
    set.add(session);
  }

  private unfile(session: RegisteredSession, node: string): void {
    const set = this.byNode.get(node);
    if (!set) return;
    set.delete(session);
    if (set.size === 0) this.byNode.delete(node);
  }

  /** A resumed session moved from `from` to its current node. */
  move(session: RegisteredSession, from: string): void {
    this.unfile(session, from);
    this.file(session, session.nodeName);
  }

  sessionsOn(node: string): RegisteredSession[] {
    return [...(this.byNode.get(node) ?? [])];
  }

  /** Every session's `onDone`: out of the registry, into the metrics. */
  readonly ended = (session: RegisteredSession, summary: SessionSummary): void => {
    this.unfile(session, session.nodeName);
    this.observer.sessionClosed(summary);
  };

  count(node?: string): number {
    if (node !== undefined) return this.byNode.get(node)?.size ?? 0;
    let n = 0;
    for (const set of this.byNode.values()) n += set.size;
    return n;
  }

  /** Up to `limit` sessions, for /status (observed ones: a resumable session is not listed). */
  list(limit: number): Session[] {
    const out: Session[] = [];
    for (const set of this.byNode.values()) for (const s of set) if (out.length < limit && s instanceof Session) out.push(s);
    return out;
  }

  /** Every session gets a FIN after what is queued for it (Session.close), not a reset. */
  closeAll(reason: string): void {
    for (const set of this.byNode.values()) for (const s of [...set]) s.close(reason);
  }

  /** Resolves when every current session has ended. */
  async drained(): Promise<void> {
    const all = [...this.byNode.values()].flatMap((s) => [...s]);
    await Promise.all(all.map((s) => s.done));
  }
}
