import { CR, FIELD_VALUE, HTAB, LF, SP, TOKEN } from './http-chars.js';

/**
 * Header (and trailer) field lines, one byte at a time, as strictly as llhttp 9 parses them
 * (Node's parser without --insecure-http-parser): no whitespace before the colon, no obs-fold, CR
 * LF and nothing else ends a line, no control byte in a value, one Content-Length of digits only,
 * no Content-Length beside a Transfer-Encoding, and "chunked" only as the final coding.
 */
export type FieldStep = { kind: 'more' } | { kind: 'end' } | { kind: 'bad'; reason: string };

const MORE: FieldStep = { kind: 'more' };
const CHUNKED = 'chunked';
const U64_MAX = '18446744073709551615';

const enum S {
  LineStart,
  Name,
  ValueWs,
  Value,
  Length,
  LengthWs,
  TeMatch,
  TeLast,
  TeToken,
  TeOws,
  ValueCr,
  LineDone,
  EndLf,
}

export class FieldLines {
  private s = S.LineStart;
  /** Lower-cased name while it can still be one we look at; undefined past that length. */
  private name: string | undefined = '';
  private digits = '';
  private teMatched = 0;
  private valueChunked = false;
  private expectValue = '';
  hasLength = false;
  length = 0;
  /** A Transfer-Encoding with a value was seen (llhttp's F_TRANSFER_ENCODING). */
  hasTransferEncoding = false;
  chunked = false;
  expectsContinue = false;

  /** In the field lines after the last chunk (an Upgrade header matters only in the head). */
  private trailers = false;

  /** The trailer section follows; the head's framing flags stay, as in llhttp. */
  startTrailers(): void {
    this.trailers = true;
    this.s = S.LineStart;
  }

  step(b: number): FieldStep {
    switch (this.s) {
      case S.LineStart:
        if (b === CR) return this.to(S.EndLf);
        if (!TOKEN[b]) return bad(b === SP || b === HTAB ? 'whitespace at the start of a header line' : 'invalid byte at the start of a header line');
        this.name = String.fromCharCode(b | 0x20);
        return this.to(S.Name);
      case S.Name:
        if (TOKEN[b]) {
          if (this.name !== undefined) this.name = this.name.length < 17 ? this.name + String.fromCharCode(b | 0x20) : undefined;
          return MORE;
        }
        return b === 0x3a ? this.nameDone() : bad(b === SP || b === HTAB ? 'whitespace in a header name or before its colon' : 'invalid byte in a header name');
      case S.ValueWs:
        if (b === SP || b === HTAB) return MORE;
        if (b === CR) return this.to(S.ValueCr);
        return this.valueStart(b);
      case S.Value:
        return this.value(b);
      case S.Length:
        if (b >= 0x30 && b <= 0x39) {
          if (this.digits !== '' || b !== 0x30) this.digits += String.fromCharCode(b);
          return this.digits.length > U64_MAX.length ? bad('Content-Length overflow') : MORE;
        }
        return this.lengthEnd(b);
      case S.LengthWs:
        return b === SP ? MORE : this.lengthEnd(b);
      case S.TeMatch:
        if ((b | 0x20) === CHUNKED.charCodeAt(this.teMatched)) {
          if (++this.teMatched === CHUNKED.length) this.s = S.TeLast;
          return MORE;
        }
        return this.teToken(b);
      case S.TeLast:
        if (b === SP) return MORE;
        if (b === CR) {
          this.valueChunked = true;
          return this.to(S.ValueCr);
        }
        if (b === 0x2c) return bad('Transfer-Encoding names a coding after chunked');
        return this.teToken(b);
      case S.TeToken:
        return this.teToken(b);
      case S.TeOws:
        if (b === SP || b === HTAB) return MORE;
        this.teMatched = 0;
        this.s = S.TeMatch;
        return this.step(b);
      case S.ValueCr:
        return b === LF ? this.to(S.LineDone) : bad('CR without LF in a header line');
      case S.LineDone:
        if (b === SP || b === HTAB) return bad('folded header line (obs-fold)');
        if (this.name === 'content-length' && !this.hasLength) return bad('empty Content-Length');
        if (this.name === 'transfer-encoding' && this.valueChunked) this.chunked = true;
        if (this.name === 'expect') this.expectsContinue ||= this.expectValue.trimEnd().toLowerCase() === '100-continue';
        this.s = S.LineStart;
        return this.step(b);
      case S.EndLf:
        return b === LF ? { kind: 'end' } : bad('CR without LF at the end of the header fields');
    }
  }

  private to(s: S): FieldStep {
    this.s = s;
    return MORE;
  }

  private nameDone(): FieldStep {
    this.valueChunked = false;
    this.expectValue = '';
    if (this.name === 'transfer-encoding' && this.hasLength) return bad('Transfer-Encoding beside Content-Length');
    if (this.name === 'content-length' && this.hasTransferEncoding) return bad('Content-Length beside Transfer-Encoding');
    // Stricter than llhttp: the bytes after an upgrade are another protocol, not Thrift.
    if (this.name === 'upgrade' && !this.trailers) return bad('protocol upgrade requested (Upgrade header)');
    return this.to(S.ValueWs);
  }

  private valueStart(b: number): FieldStep {
    if (this.name === 'content-length') {
      if (this.hasLength) return bad('more than one Content-Length');
      this.digits = '';
      this.s = S.Length;
      return this.step(b);
    }
    if (this.name === 'transfer-encoding') {
      if (this.chunked) return bad('Transfer-Encoding after chunked');
      this.hasTransferEncoding = true;
      this.chunked = false;
      this.teMatched = 0;
      this.s = S.TeMatch;
      return this.step(b);
    }
    this.s = S.Value;
    return this.value(b);
  }

  private value(b: number): FieldStep {
    if (FIELD_VALUE[b]) {
      if (this.name === 'expect' && this.expectValue.length < 32) this.expectValue += String.fromCharCode(b);
      return MORE;
    }
    if (b === CR) return this.to(S.ValueCr);
    return bad(b === LF ? 'LF without CR in a header line' : 'control byte in a header value');
  }

  private lengthEnd(b: number): FieldStep {
    if (b === SP) return this.to(S.LengthWs);
    if (b !== CR) return bad('invalid Content-Length');
    if (this.digits.length === U64_MAX.length && this.digits > U64_MAX) return bad('Content-Length overflow');
    this.hasLength = true;
    this.length = this.digits === '' ? 0 : Number(this.digits);
    return this.to(S.ValueCr);
  }

  /** Inside a coding other than chunked: a comma starts the next one; other bytes end the coding list. */
  private teToken(b: number): FieldStep {
    if (b === 0x2c) return this.to(S.TeOws);
    if (FIELD_VALUE[b]) return this.to(S.TeToken);
    this.s = S.Value;
    return this.value(b);
  }
}

const bad = (reason: string): FieldStep => ({ kind: 'bad', reason });
