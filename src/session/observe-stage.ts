import { performance } from 'node:perf_hooks';
import type { Logger } from '../log.js';
import type { RouterObserver } from '../observe.js';
import type { CommittedStream } from '../handshake/handshake.js';
import { MessageType } from '../wire/thrift-types.js';
import { MAX_MESSAGE_BYTES, NosaslFramer, SaslFramer, type Framer } from '../wire/framer.js';
import { HttpFramer, type HttpUnit } from '../wire/http-framer.js';
import { readCall, type CallView } from '../wire/tcli-call.js';
import { CallTracker, type Completed } from './call-tracker.js';
import type { FilterFactory, SessionFilter } from './filter.js';
import { statementDigest } from './statement-digest.js';

export interface ObserveOptions {
  readonly transport: string;
  readonly conn: number;
  /** The login the handshake read (SASL PLAIN), else OpenSession's username once seen. */
  readonly user: string | undefined;
  readonly log: Logger;
  readonly observer: RouterObserver;
  readonly slowCallMs: number;
  readonly logStatementDigests: boolean;
}

/** Transports whose bytes can be followed after the commit (not TLS; GSSAPI gives no primed stream). */
function observable(transport: string): boolean {
  return transport === 'sasl' || transport === 'nosasl' || transport === 'http';
}

export interface ObserveSettings extends Omit<ObserveOptions, 'slowCallMs' | 'logStatementDigests'> {
  readonly session: { readonly observe: boolean; readonly slowCallMs: number; readonly logStatementDigests: boolean };
}

/** The observe stage for a session about to open, when `session.observe` is on and its bytes can be read. */
export function observeFilter(primed: CommittedStream | undefined, s: ObserveSettings): FilterFactory | undefined {
  if (!s.session.observe || !primed || !observable(s.transport)) return undefined;
  const { slowCallMs, logStatementDigests } = s.session;
  // The Session keeps its init (and so this factory) for life: the primed bytes are let go once used.
  let bytes: CommittedStream | undefined = primed;
  return () => {
    const stage = new ObserveStage({ transport: s.transport, conn: s.conn, user: s.user, log: s.log, observer: s.observer, slowCallMs, logStatementDigests });
    if (bytes) stage.prime(bytes.fromClient, bytes.toClient);
    bytes = undefined;
    return stage;
  };
}

/**
 * `session.observe`: decodes a committed session's TCLIService calls on the side (a tap: the
 * Session has forwarded every byte before this sees it), for per-call metrics, /status and the
 * slow-call log. Bytes it cannot follow make it stop, with one log line; nothing else changes.
 */
export class ObserveStage implements SessionFilter {
  readonly mode = 'tap';
  private client: Framer | undefined;
  private node: Framer | undefined;
  private readonly calls = new CallTracker();
  private user: string | undefined;
  private thriftSession: string | undefined;
  /** The protocol version the node answered OpenSession with (TProtocolVersion: V1 = 0 ... V11 = 10). */
  private protocol: number | undefined;
  private rowsFetched = 0;
  private stopped: string | undefined;
  /** When the bytes being framed arrived; undefined for the primed handshake call (its start is not known). */
  private at: number | undefined;

  constructor(private readonly o: ObserveOptions) {
    this.user = o.user;
    if (o.transport === 'http') {
      this.client = new HttpFramer('request', this.onClientUnit);
      this.node = new HttpFramer('response', this.onNodeUnit);
    } else {
      const Kind = o.transport === 'sasl' ? SaslFramer : NosaslFramer;
      this.client = new Kind(this.onClientUnit);
      this.node = new Kind(this.onNodeUnit);
    }
  }

  /** The handshake's OpenSession request and the answer relayed at the commit: the view starts from them. */
  prime(fromClient: Buffer, toClient: Buffer): void {
    this.fromSide(fromClient, true, undefined);
    this.fromSide(toClient, false, undefined);
  }

  fromClient(bytes: Buffer): void {
    this.fromSide(bytes, true, performance.now());
  }

  fromNode(bytes: Buffer): void {
    this.fromSide(bytes, false, performance.now());
  }

  private fromSide(bytes: Buffer, fromClient: boolean, at: number | undefined): void {
    const framer = fromClient ? this.client : this.node;
    if (!framer || bytes.length === 0) return;
    this.at = at;
    try {
      framer.push(bytes);
    } catch (err) {
      this.stop(`${fromClient ? 'client' : 'node'} bytes: ${(err as Error).message}`);
    }
  }

  private readonly onClientUnit = (unit: HttpUnit): void => {
    if (!unit.payload) return;
    const view = readCall(unit.payload, MAX_MESSAGE_BYTES);
    if (view.type !== MessageType.CALL && view.type !== MessageType.ONEWAY) throw new Error(`client sent message type ${view.type}`);
    if (view.method === 'OpenSession') this.user ??= view.username;
    const digest = this.o.logStatementDigests && view.statement !== undefined ? statementDigest(view.statement) : undefined;
    this.calls.request(view.method, view.seqid, this.at, digest);
  };

  private readonly onNodeUnit = (unit: HttpUnit): void => {
    // A status line that is not 2xx (a 401) answers the call without a Thrift message.
    if (!unit.payload && (unit.status === undefined || unit.status < 200)) return;
    let view: CallView | undefined;
    if (unit.payload) {
      view = readCall(unit.payload, MAX_MESSAGE_BYTES);
      if (view.type === MessageType.CALL || view.type === MessageType.ONEWAY) throw new Error('node sent a CALL');
      if (view.method === 'OpenSession' && view.session) {
        this.thriftSession = view.session.guid;
        this.protocol = view.protocol;
      }
      if (view.rows !== undefined) this.rowsFetched += view.rows;
    }
    const done = this.calls.reply(view, performance.now());
    if (done) this.report(done);
  };

  private report(done: Completed): void {
    const { call, outcome, ms } = done;
    this.o.observer.thriftCall(call.method, outcome, ms === undefined ? undefined : ms / 1000);
    if (ms === undefined || ms < this.o.slowCallMs) return;
    this.o.log.warn(
      {
        conn: this.o.conn,
        session: this.thriftSession,
        ...(this.user === undefined ? {} : { user: this.user }),
        method: call.method,
        outcome,
        durationMs: Math.round(ms),
        ...(call.digest === undefined ? {} : { digest: call.digest }),
      },
      'slow call',
    );
  }

  private stop(reason: string): void {
    if (this.stopped) return;
    // Parser messages may quote the bytes they choked on: those never reach a log line.
    this.stopped = reason.replace(/"[^"]*"?/g, '"..."');
    this.client = this.node = undefined;
    this.o.log.info({ conn: this.o.conn, reason: this.stopped }, 'stopped observing the session: its bytes keep flowing');
  }

  end(): Record<string, unknown> {
    for (const done of this.calls.drain()) this.report(done);
    return {
      calls: this.calls.total,
      callsByMethod: this.calls.counts,
      ...(this.rowsFetched ? { rowsFetched: this.rowsFetched } : {}),
      ...(this.stopped ? { observeStopped: this.stopped } : {}),
    };
  }

  describe(now: number): Record<string, unknown> {
    const oldest = this.calls.oldest();
    const perfNow = performance.now() - (Date.now() - now);
    return {
      user: this.user ?? null,
      thriftSession: this.thriftSession ?? null,
      protocol: this.protocol ?? null,
      calls: this.calls.total,
      inFlight: oldest ? { method: oldest.method, ageMs: oldest.startedAt === undefined ? null : Math.round(perfNow - oldest.startedAt) } : null,
      rowsFetched: this.rowsFetched,
      observing: this.stopped === undefined,
    };
  }
}
