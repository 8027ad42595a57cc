/** Thrift SASL negotiation frames: 1 status byte, 4-byte big-endian length, payload. */
export const SaslStatus = { START: 1, OK: 2, BAD: 3, ERROR: 4, COMPLETE: 5 } as const;
export const SASL_HEADER_BYTES = 5;

const NAMES: Record<number, string> = { 1: 'START', 2: 'OK', 3: 'BAD', 4: 'ERROR', 5: 'COMPLETE' };
export const saslStatusName = (status: number): string => NAMES[status] ?? `0x${status.toString(16).padStart(2, '0')}`;

export interface SaslFrame {
  status: number;
  payload: Buffer;
  /** Offset just past this frame in the buffer it was read from. */
  end: number;
}

export type SaslRead = { kind: 'frame'; frame: SaslFrame } | { kind: 'incomplete' } | { kind: 'invalid'; reason: string };

/**
 * Reads one frame at `offset`. `maxPayload` bounds what we are willing to wait for: a frame
 * claiming more is reported invalid at once instead of being buffered.
 */
export function readSaslFrame(buf: Buffer, offset: number, maxPayload: number): SaslRead {
  if (buf.length - offset < SASL_HEADER_BYTES) return { kind: 'incomplete' };
  const status = buf[offset]!;
  if (status < SaslStatus.START || status > SaslStatus.COMPLETE) {
    return { kind: 'invalid', reason: `invalid SASL status byte 0x${status.toString(16).padStart(2, '0')}` };
  }
  const length = buf.readUInt32BE(offset + 1);
  if (length > maxPayload) {
    return { kind: 'invalid', reason: `SASL ${saslStatusName(status)} frame claims ${length} bytes (limit ${maxPayload})` };
  }
  const end = offset + SASL_HEADER_BYTES + length;
  if (buf.length < end) return { kind: 'incomplete' };
  return { kind: 'frame', frame: { status, payload: buf.subarray(offset + SASL_HEADER_BYTES, end), end } };
}

export function encodeSaslFrame(status: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const out = Buffer.allocUnsafe(SASL_HEADER_BYTES + body.length);
  out[0] = status;
  out.writeUInt32BE(body.length, 1);
  body.copy(out, SASL_HEADER_BYTES);
  return out;
}

/** Printable form of a payload for logs: at most 200 characters, control bytes escaped. */
export function printable(payload: Buffer): string {
  const text = payload.subarray(0, 200).toString('latin1');
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * A SASL START payload for logs: the mechanism name only. PLAIN clients that put their initial
 * response in the START frame send "PLAIN\0user\0password", so nothing after the name is shown.
 */
export function mechanismPreview(payload: Buffer): string {
  let n = 0;
  while (n < payload.length && n < 20 && isMechanismByte(payload[n]!)) n++;
  const rest = payload.length - n;
  return `"${payload.toString('latin1', 0, n)}"${rest ? ` and ${rest} more byte(s)` : ''}`;
}

/** A byte of a SASL mechanism name (RFC 4422: upper-case letters, digits, hyphen, underscore). */
export const isMechanismByte = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) || b === 0x5f || b === 0x2d;
