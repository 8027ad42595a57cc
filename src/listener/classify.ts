/**
 * Tells the transport from a client's first bytes (table in PROTOCOL.md): every Hive client
 * speaks first, so one listener can serve them all.
 */
export type ClientProtocol = 'sasl' | 'nosasl' | 'http' | 'tls' | 'unknown';

const HTTP_METHODS = ['GET ', 'POST ', 'PUT ', 'HEAD ', 'DELETE ', 'OPTIONS ', 'PATCH ', 'CONNECT ', 'TRACE '];

/** `incomplete` when the bytes so far could still become more than one protocol. */
export function classify(buf: Buffer): ClientProtocol | 'incomplete' {
  if (buf.length === 0) return 'incomplete';
  const b0 = buf[0]!;
  if (b0 === 0x01) return 'sasl';
  if (b0 === 0x80) {
    if (buf.length < 2) return 'incomplete';
    return buf[1] === 0x01 ? 'nosasl' : 'unknown';
  }
  if (b0 === 0x16) {
    if (buf.length < 2) return 'incomplete';
    return buf[1] === 0x03 ? 'tls' : 'unknown';
  }
  const head = buf.subarray(0, 8).toString('latin1');
  for (const m of HTTP_METHODS) {
    if (head.startsWith(m)) return 'http';
    if (m.startsWith(head)) return 'incomplete';
  }
  return 'unknown';
}

export function hexPreview(buf: Buffer, n = 16): string {
  return buf.subarray(0, n).toString('hex').replace(/(..)(?!$)/g, '$1 ');
}
