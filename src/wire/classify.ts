import { isMechanismByte } from './sasl-frame.js';

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

/**
 * Hex of a client's first bytes for logs, cut before anything that may carry a credential: the
 * SASL frame header and mechanism name (a START may go on with "\0user\0password"), the Thrift
 * message header and method name (OpenSession's arguments hold a password), the TLS record header,
 * an HTTP method (the target may hold a query string, the headers an Authorization), and two bytes
 * of anything else.
 */
export function hexPreview(buf: Buffer, n = 16): string {
  return buf
    .subarray(0, Math.min(n, safeLength(buf)))
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}

function safeLength(buf: Buffer): number {
  switch (buf[0]) {
    case 0x01:
      return 5 + runOf(buf, 5, isMechanismByte);
    case 0x80:
      return buf[1] === 0x01 ? 8 + runOf(buf, 8, isLetter) : 2;
    case 0x16:
      return buf[1] === 0x03 ? 5 : 2;
    default:
      return HTTP_METHODS.some((m) => buf.subarray(0, m.length).toString('latin1') === m) ? runOf(buf, 0, isLetter) : 2;
  }
}

function runOf(buf: Buffer, from: number, test: (b: number) => boolean): number {
  let i = from;
  while (i < buf.length && i - from < 20 && test(buf[i]!)) i++;
  return i - from;
}

const isLetter = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
