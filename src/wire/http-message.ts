/**
 * Just enough HTTP/1.x to judge a node's first response: its head, and where its body ends
 * (Content-Length or chunked). The client's request goes through the strict RequestScanner
 * instead. After the commit the router does not parse HTTP at all.
 */
export interface HttpHead {
  startLine: string;
  /** Lower-cased names, values trimmed, in order. */
  headers: Array<[string, string]>;
  /** Offset just past the blank line that ends the head. */
  end: number;
}

export type HeadRead = { kind: 'head'; head: HttpHead } | { kind: 'incomplete' } | { kind: 'too-large' } | { kind: 'malformed'; reason: string };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function readHead(buf: Buffer, maxHeadBytes: number): HeadRead {
  const end = buf.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0) return buf.length > maxHeadBytes ? { kind: 'too-large' } : { kind: 'incomplete' };
  if (end + 4 > maxHeadBytes) return { kind: 'too-large' };
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const startLine = lines[0]!;
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) return { kind: 'malformed', reason: `malformed header line "${line.slice(0, 60)}"` };
    headers.push([name.toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { kind: 'head', head: { startLine, headers, end: end + 4 } };
}

export function header(head: HttpHead, name: string): string[] {
  return head.headers.filter(([n]) => n === name).map(([, v]) => v);
}

export type BodyFraming = { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'none' } | { kind: 'invalid'; reason: string };

/** How a message's body is delimited (RFC 9112 §6), refusing the ambiguous cases smugglers use. */
export function bodyFraming(head: HttpHead, isRequest: boolean): BodyFraming {
  const te = header(head, 'transfer-encoding');
  const cl = header(head, 'content-length');
  if (te.length) {
    if (cl.length) return { kind: 'invalid', reason: 'both Transfer-Encoding and Content-Length' };
    const codings = te
      .join(',')
      .split(',')
      .map((s) => s.trim().toLowerCase());
    if (codings.at(-1) !== 'chunked') return { kind: 'invalid', reason: `unsupported Transfer-Encoding "${te.join(', ')}"` };
    return { kind: 'chunked' };
  }
  if (cl.length) {
    const values = new Set(
      cl
        .join(',')
        .split(',')
        .map((s) => s.trim()),
    );
    const [only] = [...values];
    if (values.size !== 1 || !/^\d{1,15}$/.test(only!)) return { kind: 'invalid', reason: `invalid Content-Length "${cl.join(', ')}"` };
    return { kind: 'length', length: Number(only) };
  }
  return isRequest ? { kind: 'length', length: 0 } : { kind: 'none' };
}

export type BodyEnd = { kind: 'end'; end: number } | { kind: 'incomplete' } | { kind: 'too-large' } | { kind: 'malformed'; reason: string };

/** Where the body that starts at `start` ends, bounded by `maxBodyBytes`. */
export function bodyEnd(buf: Buffer, start: number, framing: BodyFraming, maxBodyBytes: number): BodyEnd {
  if (framing.kind === 'invalid') return { kind: 'malformed', reason: framing.reason };
  if (framing.kind === 'none') return { kind: 'end', end: start };
  if (framing.kind === 'length') {
    if (framing.length > maxBodyBytes) return { kind: 'too-large' };
    return buf.length >= start + framing.length ? { kind: 'end', end: start + framing.length } : { kind: 'incomplete' };
  }
  let pos = start;
  for (;;) {
    if (pos - start > maxBodyBytes) return { kind: 'too-large' };
    const lineEnd = buf.indexOf('\r\n', pos, 'latin1');
    if (lineEnd < 0) return buf.length - pos > 1024 ? { kind: 'malformed', reason: 'chunk size line too long' } : { kind: 'incomplete' };
    const sizeText = buf.toString('latin1', pos, lineEnd).split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) return { kind: 'malformed', reason: `invalid chunk size "${sizeText.slice(0, 20)}"` };
    const size = parseInt(sizeText, 16);
    if (size === 0) {
      // Optional trailer lines, then a blank line.
      const trailers = lineEnd + 2;
      if (buf.length < trailers + 2) return { kind: 'incomplete' };
      if (buf[trailers] === 0x0d && buf[trailers + 1] === 0x0a) return { kind: 'end', end: trailers + 2 };
      const blank = buf.indexOf('\r\n\r\n', trailers, 'latin1');
      return blank < 0 ? { kind: 'incomplete' } : { kind: 'end', end: blank + 4 };
    }
    if (pos - start + size > maxBodyBytes) return { kind: 'too-large' };
    const dataEnd = lineEnd + 2 + size;
    if (buf.length < dataEnd + 2) return { kind: 'incomplete' };
    if (buf[dataEnd] !== 0x0d || buf[dataEnd + 1] !== 0x0a) return { kind: 'malformed', reason: 'chunk data not followed by CRLF' };
    pos = dataEnd + 2;
  }
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
};

/** A complete response the router writes itself; the connection is closed after it. */
export function errorResponse(status: number, message: string): Buffer {
  const body = Buffer.from(`livy-router: ${message}\n`, 'utf8');
  return Buffer.concat([
    Buffer.from(
      `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
        'Content-Type: text/plain; charset=utf-8\r\n' +
        `Content-Length: ${body.length}\r\n` +
        'Connection: close\r\n\r\n',
      'latin1',
    ),
    body,
  ]);
}
