// The operations a resumable session's client holds, and what becomes of one the new active
// never knew (Livy keeps operation handles in memory: after a failover every old one is unknown).
// An operation counts as lost when the client next names it. The rules (issue 19, and the line
// Oracle Application Continuity and MaxScale draw): re-run only what is provably safe to re-run.
import { statusReply } from '../wire/tcli-compose.js';
import type { CallView } from '../wire/tcli-view.js';
import type { StatementKind } from './statement-kind.js';

export type OperationKind = StatementKind | 'metadata';

export interface OperationRecord {
  /** The session generation (one per node it lived on) the operation was created in. */
  generation: number;
  kind: OperationKind;
  /** The client's call that created it, as the client sent it. Memory only, never logged. */
  request: Buffer;
  /** A FetchResults of rows was answered: a re-run could give other rows (no ORDER BY). */
  rowsDelivered: boolean;
  /** The current node's handle (guid + secret) once re-issued there; else the client's is the node's. */
  nodeHandle?: Buffer;
}

export type LostAction = { kind: 'answer'; reply: Buffer; forget: boolean } | { kind: 'reissue' };

const SUCCESS = 0;
const ERROR = 3;
/** Transaction resolution unknown: the statement may or may not have completed. Not class 08. */
export const OUTCOME_UNKNOWN_SQLSTATE = '40003';
/** General error: a result cut by the failover. Not class 08, so pools keep the connection. */
export const RESULT_CUT_SQLSTATE = 'HY000';

export function outcomeUnknown(call: CallView, node: string): Buffer {
  return statusReply(call.name, call.seqid, {
    code: ERROR,
    sqlState: OUTCOME_UNKNOWN_SQLSTATE,
    errorCode: 0,
    message:
      `livy-router: the active Livy node failed over (now ${node}) while this statement ran; ` +
      'whether it completed is unknown and it was not run again. Check its effect before running it again. The session is kept.',
  });
}

/** A call whose node socket dropped this many times while it was in flight is not sent again. */
export const MAX_DROPS = 2;

/**
 * A call taken again after its session moved, or after its node came back: the router's answer
 * instead of sending it again, or undefined to send it. `drops`: how often its node socket dropped
 * while it was in flight (0: it was not, e.g. a passive refused it). A write that may have run gets
 * 40003 (never re-sent); a call dropped MAX_DROPS times gets HY000. (A FetchResults that dropped is
 * sent again on an operation marked lost: SessionLedger.dropped.)
 */
export function retakeAnswer(call: CallView, kind: StatementKind | undefined, drops: number, node: string): Buffer | undefined {
  if (drops > 0 && call.name === 'ExecuteStatement' && kind === 'write') return outcomeUnknown(call, node);
  if (drops < MAX_DROPS) return undefined;
  const message = `livy-router: the connection to Livy node ${node} dropped ${drops} times while this call ran; it was not sent again. The session is kept.`;
  return statusReply(call.name, call.seqid, { code: ERROR, sqlState: RESULT_CUT_SQLSTATE, errorCode: 0, message });
}

/** What the router does with a client's call that names a lost operation. */
export function lostOperation(call: CallView, op: OperationRecord, node: string): LostAction {
  if (call.name === 'CloseOperation' || call.name === 'CancelOperation') {
    // Nothing of it exists on the new node; on the old one it ended with its session.
    return { kind: 'answer', reply: statusReply(call.name, call.seqid, { code: SUCCESS }), forget: true };
  }
  if (op.kind === 'metadata' || op.kind === 'state' || (op.kind === 'read' && !op.rowsDelivered)) return { kind: 'reissue' };
  if (op.kind === 'read') {
    const message =
      `livy-router: the active Livy node failed over (now ${node}) after part of this query's result was fetched; ` +
      'the rest is lost and the query was not run again (its rows could differ). Run it again: the session is kept.';
    return { kind: 'answer', reply: statusReply(call.name, call.seqid, { code: ERROR, sqlState: RESULT_CUT_SQLSTATE, errorCode: 0, message }), forget: false };
  }
  return { kind: 'answer', reply: outcomeUnknown(call, node), forget: false };
}
