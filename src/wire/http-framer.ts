import { Malformed } from './thrift-codec.js';
import { bodyFraming, readHead } from './http-message.js';
import { EMPTY, MAX_MESSAGE_BYTES, type Framer, type Unit } from './framer.js';

/** A request or response head larger than this is not HTTP a Thrift client or Livy sends. */
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 1024;
const KEEP_BYTES = 4096;

export interface HttpUnit extends Unit {
  /** Responses only: the status code (a body that is not 2xx is not a Thrift message: no payload). */
  readonly status?: number;
}

type Phase = 'head' | 'length' | 'chunk-line' | 'chunk-data' | 'chunk-crlf' | 'trailer';

/**
 * HTTP/1.1 keep-alive, one direction: requests (client -> node) or responses (node -> client),
 * bodies by Content-Length or chunked. Incremental and resumable: the head is searched from where
 * the last search stopped, and a chunked body is walked chunk by chunk, so a trickled message costs
 * no more than a whole one. Each unit is every byte of one message; its payload is the body (the
 * Thrift message of a POST or of a 2xx answer).
 */
export class HttpFramer implements Framer {
  private buf: Buffer = EMPTY;
  /** `buf[base, have)` holds the bytes not yet cut; the message being read starts at `base`. */
  private base = 0;
  private have = 0;
  /** Where the next parse step starts, from `base`. */
  private pos = 0;
  private phase: Phase = 'head';
  private bodyStart = 0;
  private bodyLeft = 0;
  private chunks: Array<[number, number]> | undefined;
  private status: number | undefined;
  private bodyless = false;

  constructor(
    private readonly kind: 'request' | 'response',
    private readonly emit: (unit: HttpUnit) => void,
    private readonly maxBytes = MAX_MESSAGE_BYTES,
  ) {}

  push(bytes: Buffer): void {
    this.append(bytes);
    while (this.step());
  }

  private append(bytes: Buffer): void {
    const kept = this.have - this.base;
    if (kept + bytes.length > this.maxBytes + MAX_HEAD_BYTES) throw new Malformed(`HTTP message exceeds ${this.maxBytes} bytes`);
    if (this.have + bytes.length > this.buf.length) {
      // Moved to the front (messages already cut are dropped) and grown when that is not enough.
      const size = kept + bytes.length > this.buf.length ? Math.max(kept + bytes.length, this.buf.length * 2, 512) : this.buf.length;
      const next = size === this.buf.length ? this.buf : Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, this.base, this.have);
      this.buf = next;
      this.have = kept;
      this.base = 0;
    }
    bytes.copy(this.buf, this.have);
    this.have += bytes.length;
  }

  /** One parse step; false when it needs more bytes. */
  private step(): boolean {
    const buf = this.buf.subarray(this.base, this.have);
    const have = buf.length;
    switch (this.phase) {
      case 'head':
        return this.head(buf);
      case 'length':
        if (have < this.bodyStart + this.bodyLeft) return false;
        return this.done(this.bodyStart + this.bodyLeft, this.bodyless ? undefined : [this.bodyStart, this.bodyStart + this.bodyLeft]);
      case 'chunk-line': {
        const lineEnd = buf.indexOf('\r\n', this.pos, 'latin1');
        if (lineEnd < 0) {
          if (have - this.pos > MAX_CHUNK_LINE) throw new Malformed('chunk size line too long');
          return false;
        }
        const sizeText = buf.toString('latin1', this.pos, lineEnd).split(';')[0]!.trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw new Malformed(`invalid chunk size "${sizeText.slice(0, 20)}"`);
        this.bodyLeft = parseInt(sizeText, 16);
        this.pos = lineEnd + 2;
        this.phase = this.bodyLeft === 0 ? 'trailer' : 'chunk-data';
        return true;
      }
      case 'chunk-data':
        if (have < this.pos + this.bodyLeft) return false;
        (this.chunks ??= []).push([this.pos, this.pos + this.bodyLeft]);
        this.pos += this.bodyLeft;
        this.phase = 'chunk-crlf';
        return true;
      case 'chunk-crlf':
        if (have < this.pos + 2) return false;
        if (buf[this.pos] !== 0x0d || buf[this.pos + 1] !== 0x0a) throw new Malformed('chunk data not followed by CRLF');
        this.pos += 2;
        this.phase = 'chunk-line';
        return true;
      case 'trailer': {
        // Trailer lines, then a blank line; searched from the last position.
        const lineEnd = buf.indexOf('\r\n', this.pos, 'latin1');
        if (lineEnd < 0) {
          if (have - this.pos > MAX_HEAD_BYTES) throw new Malformed('trailer too long');
          return false;
        }
        const blank = lineEnd === this.pos;
        this.pos = lineEnd + 2;
        if (!blank) return true;
        const body = this.bodyless ? undefined : Buffer.concat((this.chunks ?? []).map(([a, b]) => buf.subarray(a, b)));
        return this.done(this.pos, body);
      }
    }
  }

  private head(buf: Buffer): boolean {
    if (buf.length === 0) return false;
    const read = readHead(buf, MAX_HEAD_BYTES);
    if (read.kind === 'incomplete') return false;
    if (read.kind === 'too-large') throw new Malformed(`HTTP head exceeds ${MAX_HEAD_BYTES} bytes`);
    if (read.kind === 'malformed') throw new Malformed(read.reason);
    const { head } = read;
    const isRequest = this.kind === 'request';
    if (isRequest) {
      if (!/^[A-Z]+ \S+ HTTP\/1\.[01]$/.test(head.startLine)) throw new Malformed(`not an HTTP request line "${head.startLine.slice(0, 40)}"`);
      this.status = undefined;
      this.bodyless = !head.startLine.startsWith('POST ');
    } else {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head.startLine);
      if (!m) throw new Malformed(`not an HTTP status line "${head.startLine.slice(0, 40)}"`);
      this.status = Number(m[1]);
      this.bodyless = this.status < 200 || this.status >= 300;
      // 1xx, 204 and 304 have no body, whatever their headers say (RFC 9112 §6.3).
      if (this.status < 200 || this.status === 204 || this.status === 304) return this.done(head.end, undefined);
    }
    const framing = bodyFraming(head, isRequest);
    if (framing.kind === 'invalid') throw new Malformed(framing.reason);
    if (framing.kind === 'none') throw new Malformed('response body delimited by the connection close');
    this.pos = this.bodyStart = head.end;
    if (framing.kind === 'length') {
      if (framing.length > this.maxBytes) throw new Malformed(`HTTP body of ${framing.length} bytes exceeds ${this.maxBytes}`);
      this.bodyLeft = framing.length;
      this.phase = 'length';
    } else {
      this.chunks = undefined;
      this.phase = 'chunk-line';
    }
    return true;
  }

  /** `body`: a range of the unit (Content-Length) or the decoded chunks. */
  private done(end: number, body: Buffer | [number, number] | undefined): boolean {
    const raw = Buffer.from(this.buf.subarray(this.base, this.base + end));
    const payload = body === undefined ? undefined : Array.isArray(body) ? raw.subarray(body[0], body[1]) : body;
    this.base += end;
    if (this.base === this.have) {
      this.base = this.have = 0;
      if (this.buf.length > KEEP_BYTES) this.buf = EMPTY;
    }
    this.pos = 0;
    this.phase = 'head';
    this.chunks = undefined;
    const status = this.status;
    const message = payload?.length ? payload : undefined;
    this.emit(status === undefined ? { raw, payload: message } : { raw, payload: message, status });
    return true;
  }
}
