import { Malformed, Reader, TType } from './thrift-codec.js';

/**
 * Thrown once a FetchResults reply's row count is known (its first column's length): the other
 * columns have as many rows and nothing after the rows is read, so the walk ends there. Walking
 * every cell of a result set would cost the observer more than the bytes themselves.
 */
export class RowsCounted extends Error {
  constructor(readonly rows: number) {
    super('rows counted');
  }
}

/** Walks a struct's fields; `take` reads the value and returns true, or returns false to skip it. */
export function fields(r: Reader, take: (id: number, type: number) => boolean): void {
  for (;;) {
    const t = r.byte();
    if (t === TType.STOP) return;
    const id = r.i16();
    if (!take(id, t)) r.skip(t);
  }
}

/** TRowSet: the length of the first column's values (columnar, V6+), or the number of rows (row-based). */
export function rowCount(r: Reader): number | undefined {
  let rows: number | undefined;
  let columns: number | undefined;
  fields(r, (id, t) => {
    if (id === 2 && t === TType.LIST) {
      const et = r.byte();
      const n = r.length();
      for (let i = 0; i < n; i++) r.skip(et);
      rows = n;
      return true;
    }
    if (id !== 3 || t !== TType.LIST) return false;
    const et = r.byte();
    const n = r.length();
    if (n === 0) columns = 0;
    let first = 0;
    if (n > 0 && et === TType.STRUCT) {
      columns = columnLength(r);
      first = 1;
      if (columns !== undefined) throw new RowsCounted(columns);
    }
    for (let i = first; i < n; i++) r.skip(et);
    return true;
  });
  return columns ?? rows;
}

const FIXED_SIZE: Readonly<Record<number, number>> = { [TType.BOOL]: 1, [TType.BYTE]: 1, [TType.I16]: 2, [TType.I32]: 4, [TType.DOUBLE]: 8, [TType.I64]: 8 };

/** A column of numbers is skipped in one step (a FetchResults reply holds thousands). */
function skipValues(r: Reader, et: number, n: number): void {
  const size = FIXED_SIZE[et];
  if (size === undefined) {
    for (let i = 0; i < n; i++) r.skip(et);
    return;
  }
  if (r.pos + n * size > r.buf.length) throw new Malformed('column past the message end');
  r.pos += n * size;
}

/** TColumn is a union of T*Column structs, each with `1: list values`. */
function columnLength(r: Reader): number | undefined {
  let n: number | undefined;
  fields(r, (_id, t) => {
    if (t !== TType.STRUCT) return false;
    fields(r, (cid, ct) => {
      if (cid !== 1 || ct !== TType.LIST) return false;
      const et = r.byte();
      n = r.length();
      skipValues(r, et, n);
      return true;
    });
    return true;
  });
  return n;
}
