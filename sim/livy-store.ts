// Livy's interactive sessions (one Spark application each) as the nodes of a cluster share them:
// a directory every node process is given, like Livy's filesystem state store
// (livy.server.recovery.state-store=filesystem, apache/incubator-livy server/.../recovery/
// FileSystemStateStore.scala), so a new active recovers the sessions its predecessor started.
// Without a directory each node keeps its own in memory (a cluster with recovery off).
// The application stops when its session is deleted; a later OpenSession with the same name then
// starts a new application with a new id, which is how a test sees a resume that stopped it.
import { appendFileSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export interface LivySession {
  /** livy.session.name, or the generated one Livy gives an unnamed session. */
  name: string;
  /** Livy's numeric session id (livy.server.sessionId). */
  id: number;
  /** What `SET spark.app.id` answers: the YARN application id. */
  appId: string;
}

export interface Execution {
  appId: string;
  /** The statement's kind (insert, create table, ...): the count a test reads, never its text. */
  kind: string;
}

export interface LivyStore {
  byName(name: string): LivySession | undefined;
  byId(id: number): LivySession | undefined;
  /** A new interactive session (a new application). */
  create(name: string | undefined): LivySession;
  /** Stop the application: the session is gone for every node. */
  stop(name: string): void;
  /** Count one execution of a statement that changes data (the "no write ran twice" proof). */
  recordExecution(execution: Execution): void;
  executions(): Execution[];
}

let appSeq = 0;
/** application_<cluster start ms>_<seq>, as YARN names them; random so two stores never clash. */
function newAppId(): string {
  appSeq += 1;
  return `application_${Date.now()}_${randomBytes(2).toString('hex')}${String(appSeq).padStart(4, '0')}`;
}

class MemoryStore implements LivyStore {
  private readonly sessions = new Map<string, LivySession>();
  private readonly log: Execution[] = [];
  private nextId = 0;

  byName(name: string): LivySession | undefined {
    return this.sessions.get(name);
  }
  byId(id: number): LivySession | undefined {
    return [...this.sessions.values()].find((s) => s.id === id);
  }
  create(name: string | undefined): LivySession {
    const id = this.nextId++;
    const session = { name: name ?? `session-${id}-${randomBytes(4).toString('hex')}`, id, appId: newAppId() };
    this.sessions.set(session.name, session);
    return session;
  }
  stop(name: string): void {
    this.sessions.delete(name);
  }
  recordExecution(execution: Execution): void {
    this.log.push(execution);
  }
  executions(): Execution[] {
    return [...this.log];
  }
}

/** One JSON file per session under sessions/, one JSON line per execution in executions.jsonl. */
class DirectoryStore implements LivyStore {
  private readonly sessionsDir: string;
  private readonly executionsFile: string;

  constructor(dir: string) {
    this.sessionsDir = path.join(dir, 'sessions');
    this.executionsFile = path.join(dir, 'executions.jsonl');
    mkdirSync(this.sessionsDir, { recursive: true });
  }

  private fileOf(name: string): string {
    return path.join(this.sessionsDir, `${Buffer.from(name).toString('hex')}.json`);
  }

  private all(): LivySession[] {
    return readdirSync(this.sessionsDir)
      .filter((file) => file.endsWith('.json'))
      .flatMap((file) => {
        try {
          return [JSON.parse(readFileSync(path.join(this.sessionsDir, file), 'utf8')) as LivySession];
        } catch {
          return []; // a file being written by another node
        }
      });
  }

  byName(name: string): LivySession | undefined {
    try {
      return JSON.parse(readFileSync(this.fileOf(name), 'utf8')) as LivySession;
    } catch {
      return undefined;
    }
  }
  byId(id: number): LivySession | undefined {
    return this.all().find((s) => s.id === id);
  }
  create(name: string | undefined): LivySession {
    const id = Math.max(-1, ...this.all().map((s) => s.id)) + 1;
    const session = { name: name ?? `session-${id}-${randomBytes(4).toString('hex')}`, id, appId: newAppId() };
    const file = this.fileOf(session.name);
    writeFileSync(`${file}.tmp`, JSON.stringify(session));
    // rename is atomic: a node reading the directory never sees half a session.
    renameSync(`${file}.tmp`, file);
    return session;
  }
  stop(name: string): void {
    rmSync(this.fileOf(name), { force: true });
  }
  recordExecution(execution: Execution): void {
    appendFileSync(this.executionsFile, JSON.stringify(execution) + '\n');
  }
  executions(): Execution[] {
    return readExecutions(path.dirname(this.executionsFile));
  }
}

/** What every node of a cluster wrote to the store in `dir` (a test's "ran how many times"). */
export function readExecutions(dir: string): Execution[] {
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'executions.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Execution);
}

export function createLivyStore(dir: string | undefined): LivyStore {
  return dir === undefined ? new MemoryStore() : new DirectoryStore(dir);
}
