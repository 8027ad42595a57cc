import { CR, HTAB, hexValue, LF, QDTEXT, QUOTED_PAIR, SP, TARGET, TOKEN } from './http-chars.js';
import { FieldLines } from './http-fields.js';

/**
 * Finds where a client's first HTTP/1.x request ends, reading each byte once as it arrives, and
 * rejects whatever llhttp (Node's parser, strict mode) rejects, so the router and the node agree
 * on the request boundary. Stricter than llhttp where Thrift over HTTP has no use for a form: the
 * request target must be a path, the version HTTP/1.0 or 1.1, and CONNECT and Upgrade are refused.
 */
export type RequestScan =
  /** `headDone`: the head is complete and the body is still coming (time for a 100 Continue). */
  | { kind: 'incomplete'; headDone: boolean }
  /** `end`: offset, counted from the first byte pushed, just past the first request. */
  | { kind: 'complete'; end: number }
  | { kind: 'bad'; status: 400 | 413 | 431; reason: string };

export interface RequestLimits {
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE']);
const VERSION = 'HTTP/1.';

const enum S {
  Method,
  SpBeforeTarget,
  Target,
  SpBeforeVersion,
  Version,
  VersionEnd,
  LineLf,
  Fields,
  Data,
  ChunkSizeStart,
  ChunkSize,
  ExtStart,
  ExtName,
  ExtValue,
  ExtQuoted,
  ExtPair,
  ExtQuotedEnd,
  ChunkSizeLf,
  DataCr,
  DataLf,
  Trailers,
  Done,
}

export class RequestScanner {
  private s = S.Method;
  private method = '';
  private versionAt = 0;
  private consumed = 0;
  private headBytes = 0;
  private bodyBytes = 0;
  private remaining = 0;
  private chunkSize = 0;
  private readonly fields = new FieldLines();
  private verdict: RequestScan = { kind: 'incomplete', headDone: false };

  constructor(private readonly limits: RequestLimits) {}

  get expectsContinue(): boolean {
    return this.fields.expectsContinue;
  }

  /** The body is chunked (else it is Content-Length framed, or empty). */
  get chunked(): boolean {
    return this.fields.chunked;
  }

  /** Offset just past the head (the blank line), once it is complete. */
  headEnd: number | undefined;

  push(chunk: Buffer): RequestScan {
    let i = 0;
    while (i < chunk.length && this.verdict.kind === 'incomplete') {
      if (this.s === S.Data) {
        const n = Math.min(this.remaining, chunk.length - i);
        i += n;
        this.consumed += n;
        this.bodyBytes += n;
        this.remaining -= n;
        if (this.remaining === 0) this.s = this.fields.chunked ? S.DataCr : S.Done;
        if (this.s === S.Done) this.verdict = { kind: 'complete', end: this.consumed };
        continue;
      }
      const b = chunk[i++]!;
      this.consumed++;
      const failure = this.countByte() ?? this.step(b);
      if (failure) this.verdict = failure;
      else if (this.s === S.Done) this.verdict = { kind: 'complete', end: this.consumed };
    }
    return this.verdict;
  }

  private countByte(): RequestScan | undefined {
    if (this.headEnd === undefined) {
      if (++this.headBytes > this.limits.maxHeaderBytes)
        return { kind: 'bad', status: 431, reason: `request head larger than ${this.limits.maxHeaderBytes} bytes` };
    } else if (++this.bodyBytes > this.limits.maxBodyBytes) {
      return this.tooLarge();
    }
    return undefined;
  }

  private tooLarge(): RequestScan {
    return { kind: 'bad', status: 413, reason: `request body larger than ${this.limits.maxBodyBytes} bytes (handshake.maxBufferedBytes)` };
  }

  /** One byte outside body data; returns a failure, or undefined to go on. */
  private step(b: number): RequestScan | undefined {
    switch (this.s) {
      case S.Method:
        if (b === SP) return METHODS.has(this.method) ? this.to(S.SpBeforeTarget) : bad(`method ${this.method.slice(0, 8) || '(none)'} not accepted`);
        if (b < 0x41 || b > 0x5a || this.method.length >= 8) return bad('malformed request line (method)');
        this.method += String.fromCharCode(b);
        return undefined;
      case S.SpBeforeTarget:
        if (b === SP) return undefined;
        return b === 0x2f ? this.to(S.Target) : bad('request target is not a path (origin-form)');
      case S.Target:
        if (TARGET[b]) return undefined;
        if (b === SP) return this.to(S.SpBeforeVersion);
        return bad(b === CR || b === LF ? 'request line without an HTTP version' : 'invalid byte in the request target');
      case S.SpBeforeVersion:
        if (b === SP) return undefined;
        this.s = S.Version;
        return this.step(b);
      case S.Version:
        if (this.versionAt < VERSION.length) {
          return b === VERSION.charCodeAt(this.versionAt++) ? undefined : bad('malformed request line (HTTP version)');
        }
        return b === 0x30 || b === 0x31 ? this.to(S.VersionEnd) : bad('HTTP version other than 1.0 or 1.1');
      case S.VersionEnd:
        return b === CR ? this.to(S.LineLf) : bad('request line does not end with CR LF');
      case S.LineLf:
        return b === LF ? this.to(S.Fields) : bad('request line does not end with CR LF');
      case S.Fields: {
        const r = this.fields.step(b);
        if (r.kind === 'bad') return bad(r.reason);
        return r.kind === 'end' ? this.headDone() : undefined;
      }
      case S.ChunkSizeStart:
        if (hexValue(b) < 0) return bad('invalid chunk size');
        this.chunkSize = 0;
        this.s = S.ChunkSize;
        return this.step(b);
      case S.ChunkSize: {
        const v = hexValue(b);
        if (v >= 0) {
          this.chunkSize = this.chunkSize * 16 + v;
          return this.chunkSize > this.limits.maxBodyBytes ? this.tooLarge() : undefined;
        }
        if (b === CR) return this.to(S.ChunkSizeLf);
        return b === 0x3b ? this.to(S.ExtStart) : bad('invalid chunk size');
      }
      case S.ExtStart:
        if (b === SP || b === CR) return bad('invalid chunk extension');
        this.s = S.ExtName;
        return this.step(b);
      case S.ExtName:
        if (TOKEN[b]) return undefined;
        return this.extEnd(b, b === 0x3d ? S.ExtValue : undefined);
      case S.ExtValue:
        if (TOKEN[b]) return undefined;
        return this.extEnd(b, b === 0x22 ? S.ExtQuoted : undefined);
      case S.ExtQuoted:
        if (QDTEXT[b]) return undefined;
        if (b === 0x22) return this.to(S.ExtQuotedEnd);
        return b === 0x5c ? this.to(S.ExtPair) : bad('invalid byte in a quoted chunk extension');
      case S.ExtPair:
        return QUOTED_PAIR[b] ? this.to(S.ExtQuoted) : bad('invalid quoted pair in a chunk extension');
      case S.ExtQuotedEnd:
        return this.extEnd(b, undefined);
      case S.ChunkSizeLf:
        if (b !== LF) return bad('chunk size line does not end with CR LF');
        if (this.chunkSize === 0) {
          this.fields.startTrailers();
          return this.to(S.Trailers);
        }
        if (this.bodyBytes + this.chunkSize > this.limits.maxBodyBytes) return this.tooLarge();
        this.remaining = this.chunkSize;
        return this.to(S.Data);
      case S.DataCr:
        return b === CR ? this.to(S.DataLf) : bad('chunk data not followed by CR LF');
      case S.DataLf:
        return b === LF ? this.to(S.ChunkSizeStart) : bad('chunk data not followed by CR LF');
      case S.Trailers: {
        const r = this.fields.step(b);
        if (r.kind === 'bad') return bad(`trailer: ${r.reason}`);
        return r.kind === 'end' ? this.to(S.Done) : undefined;
      }
      case S.Data:
      case S.Done:
        return undefined;
    }
  }

  private to(s: S): undefined {
    this.s = s;
    return undefined;
  }

  /** After an extension name, value or quoted value: `;` starts another, CR ends the line. */
  private extEnd(b: number, next: S | undefined): RequestScan | undefined {
    if (next !== undefined) return this.to(next);
    if (b === 0x3b) return this.to(S.ExtStart);
    if (b === CR) return this.to(S.ChunkSizeLf);
    return bad(b === HTAB || b === SP ? 'whitespace in a chunk extension' : 'invalid byte in a chunk extension');
  }

  private headDone(): RequestScan | undefined {
    this.headEnd = this.consumed;
    const f = this.fields;
    this.verdict = { kind: 'incomplete', headDone: true };
    if (f.chunked) return this.to(S.ChunkSizeStart);
    if (f.hasTransferEncoding) return bad('Transfer-Encoding whose final coding is not chunked');
    if (f.length > this.limits.maxBodyBytes) return this.tooLarge();
    if (f.length === 0) return this.to(S.Done);
    this.remaining = f.length;
    return this.to(S.Data);
  }
}

const bad = (reason: string): RequestScan => ({ kind: 'bad', status: 400, reason });
