import { Malformed, TType, VERSION_1 } from './thrift-codec.js';

/** Bytes a value of a fixed-size type takes; 0 for the others. */
const FIXED: Readonly<Record<number, number>> = { [TType.BOOL]: 1, [TType.BYTE]: 1, [TType.I16]: 2, [TType.I32]: 4, [TType.DOUBLE]: 8, [TType.I64]: 8 };
const MAX_DEPTH = 64;

interface Level {
  /** 'struct': fields until STOP; 'list': `left` values of `et`; 'map': `left` keys and values, alternating. */
  kind: 'struct' | 'list' | 'map';
  et: number;
  vt: number;
  left: number;
}

/**
 * Finds where a strict TBinaryProtocol message ends in a buffer that grows (NOSASL has no length
 * prefix): the walk resumes where the last call stopped, so each byte is looked at once however the
 * message is split. Every step is taken whole or not at all, so "need more" leaves a state that the
 * next call continues from. Lengths are checked against `maxBytes`, so a hostile length ends the
 * walk (Malformed) instead of making it wait for bytes that will never come.
 */
export class MessageWalker {
  private pos = 0;
  private readonly stack: Level[] = [];
  private headerDone = false;

  constructor(private readonly maxBytes: number) {}

  /** Offset just past the message when `buf` holds all of it; undefined: more bytes needed. */
  end(buf: Buffer): number | undefined {
    if (!this.headerDone) {
      if (buf.length < 4) return undefined;
      const word = buf.readUInt32BE(0);
      if ((word & 0xffff0000) >>> 0 !== VERSION_1) throw new Malformed(`not a strict TBinaryProtocol message (0x${word.toString(16)})`);
      if (buf.length < 8) return undefined;
      const nameLength = this.length(buf.readInt32BE(4));
      if (buf.length < 12 + nameLength) return undefined;
      this.pos = 12 + nameLength;
      this.headerDone = true;
      this.stack.push({ kind: 'struct', et: 0, vt: 0, left: 0 });
    }
    while (this.stack.length > 0) if (!this.step(buf)) return undefined;
    return this.pos;
  }

  private length(n: number): number {
    if (n < 0 || n > this.maxBytes) throw new Malformed(`length ${n} out of range (limit ${this.maxBytes})`);
    return n;
  }

  /** One item of the innermost container; false when the buffer ends before it. */
  private step(buf: Buffer): boolean {
    const top = this.stack[this.stack.length - 1]!;
    if (top.kind === 'struct') {
      if (this.pos >= buf.length) return false;
      const ft = buf[this.pos]!;
      if (ft === TType.STOP) {
        this.pos++;
        this.stack.pop();
        return true;
      }
      return this.value(buf, ft, 3);
    }
    if (top.left === 0) {
      this.stack.pop();
      return true;
    }
    const t = top.kind === 'map' && top.left % 2 === 0 ? top.et : top.vt;
    const size = FIXED[t];
    if (size !== undefined && top.kind === 'list') {
      // A column of numbers: take every whole element that is here at once.
      const whole = Math.min(top.left, Math.floor((buf.length - this.pos) / size));
      if (whole === 0) return false;
      top.left -= whole;
      this.pos += whole * size;
      return true;
    }
    if (!this.value(buf, t, 0)) return false;
    top.left--;
    return true;
  }

  /** A value of type `t` after `skip` header bytes (a field's type and id): taken whole, or nothing. */
  private value(buf: Buffer, t: number, skip: number): boolean {
    const at = this.pos + skip;
    const size = FIXED[t];
    if (size !== undefined) {
      if (at + size > buf.length) return false;
      this.pos = at + size;
      return true;
    }
    switch (t) {
      case TType.STRING: {
        if (at + 4 > buf.length) return false;
        const n = this.length(buf.readInt32BE(at));
        if (at + 4 + n > buf.length) return false;
        this.pos = at + 4 + n;
        return true;
      }
      case TType.STRUCT:
        this.push({ kind: 'struct', et: 0, vt: 0, left: 0 });
        this.pos = at;
        return true;
      case TType.LIST:
      case TType.SET: {
        if (at + 5 > buf.length) return false;
        const n = this.length(buf.readInt32BE(at + 1));
        // The list's values live under the new level: the struct/list above counts this value as taken.
        this.push({ kind: 'list', et: buf[at]!, vt: buf[at]!, left: n });
        this.pos = at + 5;
        return this.checkType(buf[at]!);
      }
      case TType.MAP: {
        if (at + 6 > buf.length) return false;
        const n = this.length(buf.readInt32BE(at + 2));
        this.push({ kind: 'map', et: buf[at]!, vt: buf[at + 1]!, left: 2 * n });
        this.pos = at + 6;
        return this.checkType(buf[at]!) && this.checkType(buf[at + 1]!);
      }
      default:
        throw new Malformed(`unknown Thrift type ${t}`);
    }
  }

  private checkType(t: number): boolean {
    if (FIXED[t] === undefined && t !== TType.STRING && t !== TType.STRUCT && t !== TType.LIST && t !== TType.SET && t !== TType.MAP) {
      throw new Malformed(`unknown Thrift type ${t}`);
    }
    return true;
  }

  private push(level: Level): void {
    if (this.stack.length >= MAX_DEPTH) throw new Malformed('nesting too deep');
    this.stack.push(level);
  }
}
