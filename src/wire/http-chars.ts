/** Byte classes of HTTP/1.1 (RFC 9110 / 9112) as llhttp uses them, one lookup table each. */
function table(test: (b: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = test(b) ? 1 : 0;
  return t;
}

const isAlnum = (b: number) => (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);

/** tchar: header names, chunk extension names and values. */
export const TOKEN = table((b) => isAlnum(b) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(b)));
/** field-value bytes: HTAB, SP, VCHAR, obs-text. */
export const FIELD_VALUE = table((b) => b === 0x09 || (b >= 0x20 && b <= 0x7e) || b >= 0x80);
/** Bytes of an origin-form request target (path, query, fragment). */
export const TARGET = table((b) => b >= 0x21 && b <= 0x7e);
/** qdtext of a quoted chunk extension value. */
export const QDTEXT = table((b) => b === 0x09 || b === 0x20 || b === 0x21 || (b >= 0x23 && b <= 0x5b) || (b >= 0x5d && b <= 0x7e) || b >= 0x80);
/** What may follow a backslash in a quoted string. */
export const QUOTED_PAIR = FIELD_VALUE;

export function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
