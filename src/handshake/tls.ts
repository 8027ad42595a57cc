import type { ClientCheck, Handshake, NodeAnswer } from './handshake.js';
import { KeptBytes } from '../wire/kept-bytes.js';

/** A fatal TLS alert (internal_error), readable by a client that has sent only its ClientHello. */
const TLS_ALERT_INTERNAL_ERROR = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x50]);
/** A TLS record's payload is at most 2^14 bytes (RFC 8446 5.1); a ClientHello record claiming more is not one. */
const MAX_RECORD_BYTES = 16_384;

/**
 * TLS is passed through, not terminated: the router cannot read the Thrift handshake inside it.
 * The ClientHello is kept and replayed; a node that refuses, resets or closes before answering is
 * skipped, and the first byte a node sends back commits it, blind: it proves nothing about roles.
 * So a TLS client relies on the cluster model to reach the active node first (dial order puts
 * the known active first).
 */
export class TlsPassthrough implements Handshake {
  readonly transport = 'tls';
  /** Not read (HTTP Basic and TLS are not parsed for it). */
  readonly user = undefined;
  private readonly kept = new KeptBytes();
  /** Bytes of the first record (header + payload), once its header is here. */
  private firstRecordBytes: number | undefined;

  constructor(private readonly maxBytes: number) {}

  /** The whole first record (the ClientHello) is here: only then is a node dialled. */
  get readyToDial(): boolean {
    return this.firstRecordBytes !== undefined && this.kept.length >= this.firstRecordBytes;
  }

  onClientData(chunk: Buffer): ClientCheck {
    this.kept.push(chunk);
    if (this.firstRecordBytes === undefined && this.kept.length >= 5) {
      const payload = this.kept.view().readUInt16BE(3);
      if (payload > MAX_RECORD_BYTES)
        return { kind: 'bad', reason: `TLS record claims ${payload} bytes (limit ${MAX_RECORD_BYTES})`, reply: TLS_ALERT_INTERNAL_ERROR };
      this.firstRecordBytes = 5 + payload;
    }
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

  /** Encrypted: nothing after the commit can be read. */
  committedStream(): undefined {
    return undefined;
  }

  release(): void {
    this.kept.clear();
  }
}
