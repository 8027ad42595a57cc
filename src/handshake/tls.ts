import type { ClientCheck, Handshake, NodeAnswer } from './handshake.js';
import { KeptBytes } from './kept-bytes.js';

/** A fatal TLS alert (internal_error), readable by a client that has sent only its ClientHello. */
const TLS_ALERT_INTERNAL_ERROR = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x50]);

/**
 * TLS is passed through, not terminated: the router cannot read the Thrift handshake inside it.
 * The ClientHello is kept and replayed; a node that refuses, resets or closes before answering is
 * skipped, and the first byte a node sends back commits it, blind: it proves nothing about roles.
 * So a TLS client relies on the cluster model to reach the active node first (dial order puts
 * the known active first).
 */
export class TlsPassthrough implements Handshake {
  readonly transport = 'tls';
  readonly readyToDial = true;
  private readonly kept = new KeptBytes();

  constructor(private readonly maxBytes: number) {}

  get keptBytes(): number {
    return this.kept.length;
  }

  onClientData(chunk: Buffer): ClientCheck {
    this.kept.push(chunk);
    return this.kept.length > this.maxBytes ? { kind: 'commit-now', reason: `TLS client sent ${this.kept.length} bytes before any answer` } : { kind: 'ok' };
  }

  startAttempt(): Buffer {
    return this.kept.view();
  }

  onNodeData(chunk: Buffer): NodeAnswer {
    return { verdict: { kind: 'commit', proof: 'blind' }, toClient: [chunk] };
  }

  /** Every node byte commits at once: nothing is ever held back. */
  takeNodeBytes(): Buffer[] {
    return [];
  }

  nodeGone(reason: string): string {
    return `${reason} before answering the TLS ClientHello`;
  }

  /** A node never refuses a TLS client in words the router could relay: it closes or resets. */
  deliverable(): boolean {
    return false;
  }

  ownAnswer(): Buffer {
    return TLS_ALERT_INTERNAL_ERROR;
  }

  timeoutReply(): Buffer {
    return TLS_ALERT_INTERNAL_ERROR;
  }

  release(): void {
    this.kept.clear();
  }
}
