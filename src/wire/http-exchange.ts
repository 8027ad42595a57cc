// Whole HTTP/1.x messages of a Thrift-over-HTTP stream, for the resumable HTTP session: a client's
// request (head + Content-Length body: a chunked one is not read) and a node's response (head and
// a Content-Length or chunked body), the Thrift message each body holds, a head with headers
// changed, and the 200 answers the router writes itself. Pure: bytes in, verdicts out.
import { bodyEnd, bodyFraming, header, readHead, type HttpHead } from './http-message.js';

export interface HttpLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

export interface WholeMessage {
  head: HttpHead;
  /** Offset just past the message. */
  end: number;
  /** The body's bytes (de-chunked for a chunked response): one unframed Thrift message. */
  body: Buffer;
  /** A response's status code (0 for a request). */
  status: number;
}

export type MessageRead = { kind: 'whole'; message: WholeMessage } | { kind: 'incomplete' } | { kind: 'unreadable'; reason: string };

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/;

/** The message that starts at offset 0 of `buf`. */
export function readMessage(buf: Buffer, kind: 'request' | 'response', limits: HttpLimits): MessageRead {
  const read = readHead(buf, limits.maxHeaderBytes);
  if (read.kind === 'incomplete') return read;
  // Not read.reason: a malformed header line could be a credential.
  if (read.kind !== 'head') return { kind: 'unreadable', reason: read.kind === 'too-large' ? 'head too large' : 'malformed head' };
  const { head } = read;
  let status = 0;
  if (kind === 'response') {
    const m = STATUS_LINE.exec(head.startLine);
    if (!m) return { kind: 'unreadable', reason: 'not an HTTP status line' };
    status = Number(m[1]);
    if (status < 200) return { kind: 'whole', message: { head, end: head.end, body: Buffer.alloc(0), status } };
  }
  // The client waits for a 100 Continue before its body: only the node can answer it.
  if (kind === 'request' && header(head, 'expect').length > 0) return { kind: 'unreadable', reason: 'an Expect header' };
  const framing = bodyFraming(head, kind === 'request');
  if (framing.kind === 'none') return { kind: 'unreadable', reason: 'a response body delimited by the close' };
  if (framing.kind === 'chunked' && kind === 'request') return { kind: 'unreadable', reason: 'a chunked request body' };
  const end = bodyEnd(buf, head.end, framing, limits.maxBodyBytes);
  if (end.kind === 'incomplete') return end;
  // Not end.reason: it may quote bytes of the body.
  if (end.kind !== 'end') return { kind: 'unreadable', reason: end.kind === 'too-large' ? 'body too large' : 'malformed chunked body' };
  const raw = buf.subarray(head.end, end.end);
  const body = framing.kind === 'chunked' ? dechunk(raw) : Buffer.from(raw);
  return { kind: 'whole', message: { head, end: end.end, body, status } };
}

/**
 * A response whose Content-Length body is over the limit, once its head is here: it can be relayed
 * as it comes (its head read, its body not), where a whole message cannot be kept.
 */
export function largeResponse(buf: Buffer, limits: HttpLimits): { head: HttpHead; status: number; length: number } | undefined {
  const read = readHead(buf, limits.maxHeaderBytes);
  if (read.kind !== 'head') return undefined;
  const status = Number(STATUS_LINE.exec(read.head.startLine)?.[1] ?? 0);
  const framing = bodyFraming(read.head, false);
  if (status < 200 || framing.kind !== 'length' || framing.length <= limits.maxBodyBytes) return undefined;
  return { head: read.head, status, length: framing.length };
}

/**
 * Cuts the whole messages off the front of `buf`, handing each to `each` (which returns false to
 * stop); `rest` is what is left, `unreadable` says why the message at its start cannot be read.
 */
export function eachMessage(
  buf: Buffer,
  kind: 'request' | 'response',
  limits: HttpLimits,
  each: (raw: Buffer, message: WholeMessage) => boolean,
): { rest: Buffer; unreadable?: string } {
  let rest = buf;
  for (;;) {
    const read = readMessage(rest, kind, limits);
    if (read.kind === 'incomplete') return { rest };
    if (read.kind === 'unreadable') return { rest, unreadable: read.reason };
    const raw = rest.subarray(0, read.message.end);
    rest = rest.subarray(read.message.end);
    if (!each(raw, read.message)) return { rest };
  }
}

/** The data of a chunked body that bodyEnd() found whole and well-formed. */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', pos, 'latin1');
    const size = parseInt(raw.toString('latin1', pos, lineEnd).split(';')[0]!.trim(), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 4 + size;
  }
}

/**
 * The head of `buf` (which ends at `headEnd`) with the headers named in `set` (lower case)
 * removed, and those with a value added back at the end, other lines kept byte for byte.
 */
export function editHead(buf: Buffer, headEnd: number, set: Readonly<Record<string, string | undefined>>): Buffer {
  const lines = buf.toString('latin1', 0, headEnd - 4).split('\r\n');
  const kept = [lines[0]!, ...lines.slice(1).filter((line) => !(line.slice(0, line.indexOf(':')).trim().toLowerCase() in set))];
  for (const [name, value] of Object.entries(set)) if (value !== undefined) kept.push(`${name}: ${value}`);
  return Buffer.from(kept.join('\r\n') + '\r\n\r\n', 'latin1');
}

/** A request (or response) with a new body: the head's Content-Length follows it. */
export function withBody(buf: Buffer, message: WholeMessage, body: Buffer, set: Readonly<Record<string, string | undefined>> = {}): Buffer {
  return Buffer.concat([editHead(buf, message.head.end, { ...set, 'content-length': String(body.length) }), body]);
}

/** The 200 a Thrift reply travels in when the router answers a call itself. */
export function thriftResponse(body: Buffer): Buffer {
  const head = `HTTP/1.1 200 OK\r\nContent-Type: application/x-thrift\r\nContent-Length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** A Thrift-over-HTTP POST the router sends itself (a resume's OpenSession and replay). */
export function thriftRequest(target: string, headers: Readonly<Record<string, string | undefined>>, body: Buffer): Buffer {
  let head = `POST ${target} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries({ ...headers, 'Content-Type': 'application/x-thrift', 'Content-Length': String(body.length) })) {
    if (value !== undefined) head += `${name}: ${value}\r\n`;
  }
  return Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), body]);
}

/** The values of the cookies named `name` in a request's Cookie headers. */
export function requestCookies(head: HttpHead, name: string): string[] {
  return header(head, 'cookie')
    .flatMap((v) => v.split(';'))
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
}

/** The request's Cookie header without the cookies named `name` whose value `drop` says; undefined if none is left. */
export function cookieHeaderWithout(head: HttpHead, name: string, drop: (value: string) => boolean): string | undefined {
  const parts = header(head, 'cookie')
    .flatMap((v) => v.split(';'))
    .map((part) => part.trim())
    .filter((part) => part !== '' && !(part.startsWith(`${name}=`) && drop(part.slice(name.length + 1))));
  return parts.length ? parts.join('; ') : undefined;
}

/** The values a response sets for the cookie `name` (Set-Cookie headers). */
export function setCookies(head: HttpHead, name: string): string[] {
  return header(head, 'set-cookie')
    .map((v) => v.split(';')[0]!.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
}
