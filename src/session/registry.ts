/** A committed session as the registry sees it: a plain Session, or a resumable one. */
export interface RegisteredSession {
  readonly nodeName: string;
  readonly done: Promise<unknown>;
  destroy(reason: string): void;
  close(reason: string): void;
  /** onActiveLost: resume: move to the new active; false when this session cannot. */
  resume?(reason: string): boolean;
}

/**
 * Every committed session, by node: what is closed (or resumed) when a node stops being the active one.
 */
export class SessionRegistry {
  private readonly byNode = new Map<string, Set<RegisteredSession>>();

  add(session: RegisteredSession): void {
    let set = this.byNode.get(session.nodeName);
    if (!set) this.byNode.set(session.nodeName, (set = new Set()));
    set.add(session);
  }

  /** The session has ended (its `onDone`). */
  remove(session: RegisteredSession, nodeName = session.nodeName): void {
    const set = this.byNode.get(nodeName);
    if (!set) return;
    set.delete(session);
    if (set.size === 0) this.byNode.delete(session.nodeName);
  }

  /** A resumed session moved from `from` to its current node. */
  move(session: RegisteredSession, from: string): void {
    this.remove(session, from);
    this.add(session);
  }

  sessionsOn(node: string): RegisteredSession[] {
    return [...(this.byNode.get(node) ?? [])];
  }

  count(node?: string): number {
    if (node !== undefined) return this.byNode.get(node)?.size ?? 0;
    let n = 0;
    for (const set of this.byNode.values()) n += set.size;
    return n;
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
