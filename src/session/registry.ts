import { noopObserver, type RouterObserver, type SessionSummary } from '../observe.js';
import { Session, type SessionInit } from './session.js';

export interface OpenRequest extends Omit<SessionInit, 'onDone'> {
  /** The client had half-closed before the commit. */
  readonly clientEnded: boolean;
}

/**
 * Every committed session, by node, from its open to its end: what is closed when a node stops
 * being the active one. The commit opens a session here and the session's end takes it out.
 */
export class SessionRegistry {
  private readonly byNode = new Map<string, Set<Session>>();

  constructor(private readonly observer: RouterObserver = noopObserver) {}

  /** The commit: both sockets become a Session, which owns them from here to their close. */
  open(req: OpenRequest): Session {
    const { clientEnded, ...init } = req;
    const session = new Session({ ...init, onDone: this.ended });
    let set = this.byNode.get(session.nodeName);
    if (!set) this.byNode.set(session.nodeName, (set = new Set()));
    set.add(session);
    this.observer.sessionOpened(session.nodeName, init.transport);
    session.start(clientEnded);
    return session;
  }

  /** Every session's `onDone`: out of the registry, into the metrics. */
  private readonly ended = (session: Session, summary: SessionSummary): void => {
    const set = this.byNode.get(session.nodeName);
    if (!set) return;
    set.delete(session);
    if (set.size === 0) this.byNode.delete(session.nodeName);
    this.observer.sessionClosed(summary);
  };

  count(node?: string): number {
    if (node !== undefined) return this.byNode.get(node)?.size ?? 0;
    let n = 0;
    for (const set of this.byNode.values()) n += set.size;
    return n;
  }

  /** Up to `limit` sessions, for /status. */
  list(limit: number): Session[] {
    const out: Session[] = [];
    for (const set of this.byNode.values()) for (const s of set) if (out.length < limit) out.push(s);
    return out;
  }

  /** Closes every session on `node` at once; returns how many. */
  closeNode(node: string, reason: string): number {
    const set = this.byNode.get(node);
    if (!set) return 0;
    const sessions = [...set];
    for (const s of sessions) s.destroy(reason);
    return sessions.length;
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
