// The clients of the session failover bench (failover-resume.ts), each one real hive-driver
// session over its own socket (binary SASL PLAIN, or with --transport http one keep-alive HTTP
// connection with Basic auth), behaving as an application does:
// - idle: ran USE, SET and CREATE TEMPORARY VIEW, then waits; from the promotion on it queries;
// - mid: a SELECT in flight at the fault (the old active holds its GetOperationStatus reply).
// A call that fails is one client-visible error. After a connection is lost (or two status
// errors in a row) the client reconnects (one reconnect per attempt, a failed attempt is also an
// error; backoff 200 ms doubling to 1 s) and re-runs its session state, as an application would.
// Over HTTP the same rules hold as hive-client.ts reports the failures: an answer other than 200
// (a passive's 503, a 502) and a closed keep-alive connection both end the handle (connection
// lost: reconnect at once); an ERROR or INVALID_HANDLE status in a 200 answer is a status error.
// (A JDBC client would send its next call on a new connection with the same session handle, so
// through close and HAProxy it may see one more error before reconnecting; resume is unaffected.)
// From the promotion on, every session asks `SELECT node` every POLL_MS until the new active
// answers it: that moment is the session's first successful query.
import { performance } from 'node:perf_hooks';
import { HiveStatusError, openHiveSession, type HiveSessionHandle, type HiveTarget } from '../sim/hive-client.js';

export const STATE = ['USE sales', 'SET livy.test.k=42', 'CREATE TEMPORARY VIEW v AS SELECT * FROM range(3)'];
export const MID_QUERY = 'SELECT * FROM range(5)';
const MID_ROWS = 5;
/** While the old active still answers, the next query goes this much later. */
const POLL_MS = 250;
const CONNECT_TIMEOUT_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SessionOutcome {
  kind: 'idle' | 'mid';
  errors: number;
  reconnects: number;
  /** Promotion -> the first query the new active answered for this session; null: not within the limit. */
  firstOkMs: number | null;
  /** Idle: its first queries on the new active saw its database, SET value, view and application id, re-run by nobody but the proxy. */
  stateKept: boolean;
  /** Idle: the application id is the one from before the failover (the same Spark application). */
  appIdKept: boolean;
}

async function one(h: HiveSessionHandle, sql: string, timeoutMs: number): Promise<unknown> {
  const { rows } = await h.query(sql, { timeoutMs });
  const row = rows[0] ?? {};
  return row.value ?? Object.values(row)[0];
}

export class BenchSession {
  private handle: HiveSessionHandle | undefined;
  private errors = 0;
  private reconnects = 0;
  private appId = '';
  /** The client re-ran its session state on a new connection. */
  private rerun = false;
  private statusErrorsInRow = 0;
  private inFlight: Promise<void> | undefined;

  constructor(
    readonly kind: 'idle' | 'mid',
    private readonly target: HiveTarget,
  ) {}

  async open(): Promise<void> {
    this.handle = await openHiveSession({ ...this.target, timeoutMs: CONNECT_TIMEOUT_MS });
    if (this.kind === 'idle') {
      for (const sql of STATE) await this.handle.query(sql);
      this.appId = String(await one(this.handle, 'SET spark.app.id', CONNECT_TIMEOUT_MS));
    }
  }

  /** The statement that will be in flight at the fault (mid sessions). */
  startMidQuery(timeoutMs: number): void {
    const h = this.handle!;
    this.inFlight = h.query(MID_QUERY, { timeoutMs }).then(
      (r) => {
        if (r.rows.length !== MID_ROWS) this.errors += 1; // a wrong answer is an error too
      },
      (err: unknown) => this.failed(h, err),
    );
  }

  /** From the promotion until the new active answers this session (or the deadline, epoch ms). */
  async recover(promotedAt: number, newActive: string, deadline: number): Promise<SessionOutcome> {
    await this.inFlight;
    let firstOkMs: number | null = null;
    while (firstOkMs === null && Date.now() < deadline) {
      const h = this.handle ?? (await this.reconnect(deadline));
      if (!h) break;
      try {
        if ((await one(h, 'SELECT node', Math.max(1, deadline - Date.now()))) === newActive) firstOkMs = performance.now() - promotedAt;
        else await sleep(POLL_MS);
        this.statusErrorsInRow = 0;
      } catch (err) {
        this.failed(h, err);
      }
    }
    const outcome: SessionOutcome = { kind: this.kind, errors: 0, reconnects: 0, firstOkMs, stateKept: false, appIdKept: false };
    if (this.kind === 'idle' && firstOkMs !== null && this.handle) Object.assign(outcome, await this.checkState(this.handle, deadline));
    return { ...outcome, errors: this.errors, reconnects: this.reconnects };
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  private async checkState(h: HiveSessionHandle, deadline: number): Promise<{ stateKept: boolean; appIdKept: boolean }> {
    const ms = Math.max(1000, deadline - Date.now());
    try {
      const db = await one(h, 'SELECT current_database()', ms);
      const k = await one(h, 'SET livy.test.k', ms);
      const view = (await h.query('SELECT * FROM v', { timeoutMs: ms })).rows.length;
      const appIdKept = String(await one(h, 'SET spark.app.id', ms)) === this.appId;
      return { stateKept: !this.rerun && db === 'sales' && k === '42' && view === 3 && appIdKept, appIdKept };
    } catch (err) {
      this.failed(h, err);
      return { stateKept: false, appIdKept: false };
    }
  }

  /** One client-visible error; the connection is given up when lost, or after two status errors in a row. */
  private failed(h: HiveSessionHandle, err: unknown): void {
    this.errors += 1;
    const statusOnly = err instanceof HiveStatusError && !h.isClosed;
    this.statusErrorsInRow = statusOnly ? this.statusErrorsInRow + 1 : 0;
    if (statusOnly && this.statusErrorsInRow < 2) return;
    this.statusErrorsInRow = 0;
    if (this.handle === h) this.handle = undefined;
    void h.close();
  }

  private async reconnect(deadline: number): Promise<HiveSessionHandle | undefined> {
    let backoffMs = 200;
    while (Date.now() < deadline) {
      this.reconnects += 1;
      let h: HiveSessionHandle | undefined;
      try {
        h = await openHiveSession({ ...this.target, timeoutMs: Math.max(1, Math.min(CONNECT_TIMEOUT_MS, deadline - Date.now())) });
        if (this.kind === 'idle') {
          for (const sql of STATE) await h.query(sql, { timeoutMs: Math.max(1, deadline - Date.now()) });
          this.rerun = true;
        }
        this.handle = h;
        return h;
      } catch {
        this.errors += 1;
        void h?.close();
        await sleep(Math.min(backoffMs, Math.max(0, deadline - Date.now())));
        backoffMs = Math.min(1000, backoffMs * 2);
      }
    }
    return undefined;
  }
}
