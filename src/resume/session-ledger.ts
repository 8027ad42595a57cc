// What a resumable session knows of itself, apart from how its bytes move: the client's session
// handle and the current node's, the operations the client holds, the session-state history and
// the generation (one per node the session has lived on). Memory only: statement text and the
// requests kept here are never logged.
import { handleBytes, handleKey, putHandle, type CallView, type ReplyView } from '../wire/tcli-view.js';
import { History, type HistoryLimits } from './history.js';
import type { OperationRecord } from './operations.js';
import type { StatementKind } from './statement-kind.js';

export interface Pending {
  call: CallView;
  /** As the client sent it (client-visible handles). */
  message: Buffer;
  kind?: StatementKind;
  /** A call of the router's own: its reply is consumed, never forwarded. */
  internal?: (reply: { message: Buffer; view: ReplyView } | undefined) => void;
}

export class SessionLedger {
  generation = 0;
  readonly history: History;
  private readonly ops = new Map<string, OperationRecord>();
  private clientSession: Buffer | undefined;
  /** The current node's session handle; undefined while it is the client's (before any resume). */
  nodeSession: Buffer | undefined;

  constructor(limits: HistoryLimits) {
    this.history = new History(limits);
  }

  /** A call from the client: returns why the session stops being resumable, if it does. */
  checkSession(message: Buffer, call: CallView): string | undefined {
    if (!call.session) return undefined;
    const named = handleBytes(message, call.session);
    this.clientSession ??= named;
    // One Thrift session per connection (as Hive JDBC opens them) is what the handle map assumes.
    return named.equals(this.clientSession) ? undefined : 'a second session on one connection';
  }

  operation(message: Buffer, call: CallView): OperationRecord | undefined {
    return call.operation ? this.ops.get(handleKey(handleBytes(message, call.operation))) : undefined;
  }

  /** A call on this operation was in flight when its node socket dropped: it counts as lost (its cursor may have moved). */
  dropped(message: Buffer, call: CallView): void {
    const op = this.operation(message, call);
    if (op) op.generation = -1;
  }

  forget(message: Buffer, call: CallView): void {
    if (call.operation) this.ops.delete(handleKey(handleBytes(message, call.operation)));
  }

  /** The bytes to send to the current node: a copy with its handles swapped in place. */
  outbound(p: Pending, op: OperationRecord | undefined): Buffer {
    const out = Buffer.from(p.message);
    if (p.call.session && this.nodeSession) putHandle(out, p.call.session, this.nodeSession);
    if (p.call.operation && op?.nodeHandle) putHandle(out, p.call.operation, op.nodeHandle);
    return out;
  }

  /** What a successful reply to the client's call tells about the session. */
  learn(p: Pending, message: Buffer, view: ReplyView): void {
    const { call } = p;
    if (view.operation) {
      const kind = call.name === 'ExecuteStatement' ? (p.kind ?? 'write') : 'metadata';
      this.ops.set(handleKey(handleBytes(message, view.operation)), { generation: this.generation, kind, request: p.message, rowsDelivered: false });
    }
    if (p.kind === 'state' && call.statement !== undefined) this.history.add(call.statement);
    if (call.name === 'CloseOperation') this.forget(p.message, call);
    else if (call.name === 'FetchResults' && call.fetchType !== 1) {
      const op = this.operation(p.message, call);
      if (op) op.rowsDelivered = true;
    }
  }

  /** The operation now lives, re-issued, on the current node under `nodeHandle`. */
  reissued(op: OperationRecord, nodeHandle: Buffer): void {
    Object.assign(op, { generation: this.generation, rowsDelivered: false, nodeHandle });
  }

  clear(): void {
    this.ops.clear();
  }
}
