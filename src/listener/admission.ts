import type { LimitKind } from '../observe.js';
import { RefusalGate } from './refusal-gate.js';
import { SourceLimit } from './source-limit.js';

export interface LimitRefusal {
  readonly kind: LimitKind;
  /** What the client reads (in its protocol) and the log says: names the limit and its value. */
  readonly message: string;
}

export interface AdmissionLimits {
  /** maxClientConnectionsPerSource; 0 turns it off. */
  readonly perSource: number;
  /** maxClientConnections: per listener. */
  readonly perListener: number;
  /** Client connections the descriptor limit fits, over every listener; undefined when the limit is unknown. */
  readonly descriptorBudget: number | undefined;
  readonly descriptorLimit: number | undefined;
}

/**
 * Who may open one more client connection, checked at accept before a byte is read: the source's
 * share (over every listener), the listener's own limit, and the process-wide descriptor budget,
 * so the router refuses a client itself before the kernel runs out of descriptors and libuv drops
 * connections without a word. Limits are read on every admit: a reload applies to the next client.
 */
export class Admission {
  /** Clients admitted and not closed yet, over every listener (handshakes and sessions). */
  private clients = 0;
  private readonly perSource: SourceLimit;
  readonly gate = new RefusalGate();

  constructor(private readonly limits: () => AdmissionLimits) {
    this.perSource = new SourceLimit(() => this.limits().perSource);
  }

  /** Undefined to admit `source` on a listener holding `listenerOpen` clients (then release() on close). */
  admit(source: string, listener: string, listenerOpen: number): LimitRefusal | undefined {
    const l = this.limits();
    if (!this.perSource.admit(source)) {
      return { kind: 'source', message: `too many connections from ${source}: maxClientConnectionsPerSource is ${l.perSource}` };
    }
    if (listenerOpen >= l.perListener) {
      this.perSource.release(source);
      return { kind: 'listener', message: `listener ${listener} is full: maxClientConnections is ${l.perListener}` };
    }
    if (l.descriptorBudget !== undefined && this.clients >= l.descriptorBudget) {
      this.perSource.release(source);
      const message =
        `too many connections for the router's file descriptors: its descriptor budget is ${l.descriptorBudget} ` +
        `client connections (open files limit ${l.descriptorLimit}; raise LimitNOFILE)`;
      return { kind: 'descriptors', message };
    }
    this.clients++;
    return undefined;
  }

  release(source: string): void {
    this.clients--;
    this.perSource.release(source);
  }

  get open(): number {
    return this.clients;
  }
}
