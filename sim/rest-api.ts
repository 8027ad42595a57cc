// Enough of Livy's REST API for a real client (sparkmagic's calls, Airflow's LivyHook): sessions,
// statements and batches, kept in this node's memory. The JSON shapes follow Apache Livy's REST
// API documentation ("REST API" page of the Livy docs: Session, Statement, StatementOutput,
// Batch objects). Plus two test endpoints that move large bodies (/_sim/sink, /_sim/source).
import { createHash } from 'node:crypto';
import type http from 'node:http';

type SessionState = 'starting' | 'idle' | 'busy' | 'dead';

interface Session {
  id: number;
  kind: string;
  owner: string | null;
  createdAt: number;
  statements: Statement[];
}

interface Statement {
  id: number;
  code: string;
  createdAt: number;
}

/** A session is 'starting' this long, then 'idle'; a statement is 'running' this long, then 'available'. */
const SESSION_START_MS = 300;
const STATEMENT_RUN_MS = 200;
/** JSON bodies this API reads; larger ones get 413 (Livy's Jetty has its own limits). */
const MAX_JSON_BYTES = 1024 * 1024;

export type Answer = (status: number, value: unknown) => void;

export class RestApi {
  private readonly sessions = new Map<number, Session>();
  private lastSessionId = -1;
  /** Basic credentials the API requires (set through /_sim/rest-auth); undefined: none. */
  private users: Map<string, string> | undefined;

  constructor(private readonly nodeName: string) {}

  setUsers(users: Map<string, string> | undefined): void {
    this.users = users;
  }

  /** The user named by a valid Basic Authorization header; null when no auth is set; undefined when refused. */
  authorize(req: http.IncomingMessage): string | null | undefined {
    if (!this.users) return null;
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return undefined;
    const text = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    const user = text.slice(0, colon);
    return colon > 0 && this.users.get(user) === text.slice(colon + 1) ? user : undefined;
  }

  /** Routes one request of an authorized user; false when the path is not part of this API. */
  handle(req: http.IncomingMessage, res: http.ServerResponse, user: string | null, answer: Answer): boolean {
    const url = new URL(req.url ?? '/', 'http://sim');
    const parts = url.pathname.split('/').filter(Boolean);
    const method = req.method ?? 'GET';
    if (parts[0] === '_sim' && parts[1] === 'sink' && method === 'POST') return this.sink(req, answer);
    if (parts[0] === '_sim' && parts[1] === 'source' && method === 'GET') return this.source(res, Number(url.searchParams.get('bytes') ?? 0));
    if (parts[0] === 'batches' && parts.length === 1 && method === 'GET') {
      answer(200, { from: 0, total: 0, sessions: [] });
      return true;
    }
    if (parts[0] !== 'sessions') return false;
    const id = parts[1] === undefined ? undefined : Number(parts[1]);
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (parts.length === 1 && method === 'GET') {
      const list = [...this.sessions.values()].map((s) => this.sessionJson(s));
      answer(200, { from: 0, total: list.length, sessions: list });
    } else if (parts.length === 1 && method === 'POST') {
      this.readJson(req, answer, (body) => {
        const s: Session = { id: ++this.lastSessionId, kind: String(body.kind ?? 'spark'), owner: user, createdAt: Date.now(), statements: [] };
        this.sessions.set(s.id, s);
        answer(201, this.sessionJson(s));
      });
      return true;
    } else if (!session) {
      answer(404, { msg: `Session '${parts[1] ?? ''}' not found.` });
    } else if (parts.length === 2 && method === 'GET') {
      answer(200, this.sessionJson(session));
    } else if (parts.length === 2 && method === 'DELETE') {
      this.sessions.delete(session.id);
      answer(200, { msg: 'deleted' });
    } else if (parts[2] === 'statements' && parts.length === 3 && method === 'POST') {
      this.readJson(req, answer, (body) => {
        const st: Statement = { id: session.statements.length, code: String(body.code ?? ''), createdAt: Date.now() };
        session.statements.push(st);
        answer(201, this.statementJson(st));
      });
      return true;
    } else if (parts[2] === 'statements' && parts.length === 4 && method === 'GET') {
      const st = session.statements[Number(parts[3])];
      if (st) answer(200, this.statementJson(st));
      else answer(404, { msg: `Statement '${parts[3]}' not found in session ${session.id}.` });
    } else {
      answer(405, { msg: `${method} ${url.pathname} is not supported` });
    }
    req.resume();
    return true;
  }

  private sessionJson(s: Session): Record<string, unknown> {
    const state: SessionState = Date.now() - s.createdAt < SESSION_START_MS ? 'starting' : 'idle';
    return {
      id: s.id,
      name: null,
      appId: `application_sim_${this.nodeName}_${s.id}`,
      owner: s.owner,
      proxyUser: s.owner,
      state,
      kind: s.kind,
      appInfo: { driverLogUrl: null, sparkUiUrl: null },
      log: [],
    };
  }

  private statementJson(st: Statement): Record<string, unknown> {
    const done = Date.now() - st.createdAt >= STATEMENT_RUN_MS;
    return {
      id: st.id,
      code: st.code,
      state: done ? 'available' : 'running',
      progress: done ? 1 : 0.5,
      output: done ? { status: 'ok', execution_count: st.id, data: { 'text/plain': `ran on ${this.nodeName}: ${st.code}` } } : null,
    };
  }

  private readJson(req: http.IncomingMessage, answer: Answer, then: (body: Record<string, unknown>) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_JSON_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_JSON_BYTES) return answer(413, { msg: 'request body too large' });
      let body: unknown;
      try {
        body = size === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return answer(400, { msg: 'Rejected, Reason: body is not JSON' });
      }
      if (typeof body !== 'object' || body === null) return answer(400, { msg: 'Rejected, Reason: body is not a JSON object' });
      then(body as Record<string, unknown>);
    });
  }

  /** Reads a body of any size in constant memory: answers its length and SHA-256. */
  private sink(req: http.IncomingMessage, answer: Answer): boolean {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    req.on('end', () => answer(200, { node: this.nodeName, bytes, sha256: hash.digest('hex') }));
    return true;
  }

  /** Writes `bytes` bytes of a repeating pattern with backpressure. */
  private source(res: http.ServerResponse, bytes: number): boolean {
    const chunk = Buffer.alloc(64 * 1024, 'livy');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes });
    let left = bytes;
    const pump = (): void => {
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return true;
  }
}
