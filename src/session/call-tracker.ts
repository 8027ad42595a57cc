import { isErrorReply, TCLI_METHODS, type CallView } from '../wire/tcli-call.js';

export type CallOutcome = 'ok' | 'error' | 'no-reply';

/** The metric label of a method: TCLIService's own names, anything else 'other' (labels stay bounded). */

export function methodLabel(method: string): string {
  return TCLI_METHODS.has(method) ? method : 'other';
}

export interface InFlight {
  readonly method: string;
  readonly seqid: number;
  /** performance.now() when the request was seen; undefined for the call the handshake carried. */
  readonly startedAt: number | undefined;
  readonly digest: string | undefined;
}

export interface Completed {
  readonly call: InFlight;
  readonly outcome: CallOutcome;
  readonly ms: number | undefined;
}

/** A Thrift client makes one call at a time per connection; a few more are allowed before calls are dropped from tracking. */
const MAX_IN_FLIGHT = 16;

/**
 * Pairs requests with replies, in order (Thrift over one connection is request, reply; HTTP
 * keep-alive answers in order too). Pure: the caller gives the clock.
 */
export class CallTracker {
  private readonly inFlight: InFlight[] = [];
  /** Calls completed, by method label and outcome, for the closing log line. */
  readonly counts: Record<string, number> = {};
  total = 0;

  request(method: string, seqid: number, startedAt: number | undefined, digest: string | undefined): void {
    if (this.inFlight.length >= MAX_IN_FLIGHT) return;
    this.inFlight.push({ method: methodLabel(method), seqid, startedAt, digest });
  }

  /** A reply, or `undefined` for an answer that is not a Thrift message (an HTTP error status). */
  reply(view: CallView | undefined, now: number): Completed | undefined {
    if (this.inFlight.length === 0) return undefined;
    let i = view === undefined ? 0 : this.inFlight.findIndex((c) => c.seqid === view.seqid && c.method === methodLabel(view.method));
    if (i < 0) i = 0;
    const [call] = this.inFlight.splice(i, 1);
    const outcome: CallOutcome = view === undefined || isErrorReply(view) ? 'error' : 'ok';
    return this.complete(call!, outcome, call!.startedAt === undefined ? undefined : now - call!.startedAt);
  }

  /** The session ended: every call still waiting had no reply. */
  drain(): Completed[] {
    return this.inFlight.splice(0).map((c) => this.complete(c, 'no-reply', undefined));
  }

  oldest(): InFlight | undefined {
    return this.inFlight[0];
  }

  private complete(call: InFlight, outcome: CallOutcome, ms: number | undefined): Completed {
    const key = outcome === 'ok' ? call.method : `${call.method}:${outcome}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
    this.total++;
    return { call, outcome, ms };
  }
}
