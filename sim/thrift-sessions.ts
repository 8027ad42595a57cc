// JDBC sessions of one node and the Livy sessions (applications) they are bound to, as Livy's
// Thrift server keeps them (apache/incubator-livy thriftserver/server/src/main/scala/org/apache/
// livy/thriftserver/LivyThriftSessionManager.scala):
// - OpenSession with `livy.session.name` (or `livy.server.sessionId`) reuses that Livy session;
//   an unknown name starts a new one with that name; an unknown id is an error.
// - A session this node started is "managed": it counts its Thrift users, and closing the last one
//   stops the application. A session found in the state store (reattached, or started by another
//   node) is not managed here: closing it leaves the application running.
// - Binary mode closes a connection's sessions when it drops (close.session.on.disconnect).
// Handles live in this node's memory only.
import { randomBytes } from 'node:crypto';
import type { LivySession, LivyStore } from './livy-store.js';
import { SparkSessionState } from './spark-session.js';
import type { THandleIdentifier } from './tcli.js';

export interface ThriftSession {
  key: string;
  secret: Buffer;
  user: string;
  livy: LivySession;
  spark: SparkSessionState;
  /** The binary connection it was opened on; undefined in HTTP mode (sessions outlive them). */
  connection: object | undefined;
}

export type OpenOutcome = { session: ThriftSession; handle: THandleIdentifier; reattached: boolean } | { error: string };

/** The keys Hive JDBC puts in OpenSession's configuration, with or without `set:hiveconf:`. */
function confValue(conf: Record<string, string> | null | undefined, key: string): string | undefined {
  return conf?.[`set:hiveconf:${key}`] ?? conf?.[key] ?? undefined;
}

export function keyOf(id: THandleIdentifier | undefined): string {
  return id?.guid ? Buffer.from(id.guid).toString('hex') : '';
}

export class ThriftSessions {
  private readonly sessions = new Map<string, ThriftSession>();
  /** Livy session name -> Thrift users, for the sessions this node started (managed). */
  private readonly managedUsers = new Map<string, number>();

  constructor(
    private readonly store: LivyStore,
    private readonly nodeName: string,
    /** Only the leader writes the state store: a demoted node cannot stop an application. */
    private readonly isLeader: () => boolean,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  open(user: string, conf: Record<string, string> | null | undefined, connection: object | undefined): OpenOutcome {
    const idText = confValue(conf, 'livy.server.sessionId');
    const name = confValue(conf, 'livy.session.name');
    let livy: LivySession | undefined;
    let reattached = false;
    if (idText !== undefined) {
      livy = this.store.byId(Number(idText));
      if (!livy) return { error: `Session ${idText} not found` };
      reattached = true;
    } else if (name !== undefined && (livy = this.store.byName(name))) {
      reattached = true;
    } else {
      livy = this.store.create(name);
      this.managedUsers.set(livy.name, 0);
    }
    const users = this.managedUsers.get(livy.name);
    if (users !== undefined) this.managedUsers.set(livy.name, users + 1);
    const handle = { guid: randomBytes(16), secret: randomBytes(16) };
    const spark = new SparkSessionState(livy.appId, this.nodeName);
    const session: ThriftSession = { key: keyOf(handle), secret: handle.secret, user, livy, spark, connection };
    const database = conf?.['use:database'];
    if (database) spark.run(`USE ${database}`);
    this.sessions.set(session.key, session);
    return { session, handle, reattached };
  }

  find(id: THandleIdentifier | undefined): ThriftSession | undefined {
    const session = this.sessions.get(keyOf(id));
    return session && id && Buffer.isBuffer(id.secret) && session.secret.equals(id.secret) ? session : undefined;
  }

  /** CloseSession, or its connection dropped. Returns whether the application was stopped. */
  close(session: ThriftSession): boolean {
    if (!this.sessions.delete(session.key)) return false;
    const users = this.managedUsers.get(session.livy.name);
    if (users === undefined) return false;
    if (users > 1) {
      this.managedUsers.set(session.livy.name, users - 1);
      return false;
    }
    this.managedUsers.delete(session.livy.name);
    if (!this.isLeader()) return false;
    this.store.stop(session.livy.name);
    return true;
  }

  /** Sessions opened on a binary connection that just closed. */
  onConnection(connection: object): ThriftSession[] {
    return [...this.sessions.values()].filter((s) => s.connection === connection);
  }

  /** The node died or stepped down: every handle is forgotten, no application is stopped. */
  reset(): void {
    this.sessions.clear();
    this.managedUsers.clear();
  }
}
