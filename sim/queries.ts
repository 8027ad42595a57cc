// The only SQL the simulated Livy understands. Results are generated on demand, one fetch at a
// time, so `range(1000000)` costs the memory of one fetch, not of the whole result.
import { TTypeId, type TColumn, type TColumnDesc } from './tcli.js';

export type SimQuery = { kind: 'node' } | { kind: 'range'; count: number } | { kind: 'sleep'; ms: number };

/** The largest `range(N)` accepted; bigger counts are a typo, not a test. */
const MAX_RANGE_ROWS = 1_000_000_000;
/** One hour: longer sleeps would outlive any test. */
const MAX_SLEEP_MS = 3_600_000;

/** Case-insensitive, surrounding blanks and one trailing ';' ignored; undefined when unknown. */
export function parseQuery(sql: string): SimQuery | undefined {
  const text = sql.trim().replace(/;\s*$/, '').trim().replace(/\s+/g, ' ').toLowerCase();
  if (text === 'select node') return { kind: 'node' };
  const range = /^select \* from range\( ?(\d+) ?\)$/.exec(text);
  if (range) {
    const count = Number(range[1]);
    return count <= MAX_RANGE_ROWS ? { kind: 'range', count } : undefined;
  }
  const sleep = /^select sleep\( ?(\d+) ?\)$/.exec(text);
  if (sleep) {
    const ms = Number(sleep[1]);
    return ms <= MAX_SLEEP_MS ? { kind: 'sleep', ms } : undefined;
  }
  return undefined;
}

export interface ResultShape {
  columns: TColumnDesc[];
  rowCount: number;
  /** Rows [from, from + count) as Thrift columns. */
  rows(from: number, count: number): TColumn[];
}

function column(name: string, type: number, position: number): TColumnDesc {
  return { columnName: name, typeDesc: { types: [{ primitiveEntry: { type } }] }, position };
}

/** A null bitmap with no nulls: HiveServer2 sends one byte per 8 rows. */
function noNulls(count: number): Buffer {
  return Buffer.alloc(Math.ceil(count / 8));
}

export function singleString(name: string, value: string): ResultShape {
  return {
    columns: [column(name, TTypeId.STRING, 1)],
    rowCount: 1,
    rows: (from, count) => {
      const values = from === 0 && count > 0 ? [value] : [];
      return [{ stringVal: { values, nulls: noNulls(values.length) } }];
    },
  };
}

export function resultOf(query: SimQuery, nodeName: string): ResultShape {
  switch (query.kind) {
    case 'node':
      return singleString('node', nodeName);
    case 'sleep':
      return singleString('slept_ms', String(query.ms));
    case 'range':
      return {
        columns: [column('id', TTypeId.BIGINT, 1), column('label', TTypeId.STRING, 2)],
        rowCount: query.count,
        rows: (from, count) => {
          const n = Math.max(0, Math.min(count, query.count - from));
          const ids = new Array<number>(n);
          const labels = new Array<string>(n);
          for (let i = 0; i < n; i += 1) {
            ids[i] = from + i;
            labels[i] = `row-${from + i}`;
          }
          return [{ i64Val: { values: ids, nulls: noNulls(n) } }, { stringVal: { values: labels, nulls: noNulls(n) } }];
        },
      };
  }
}

/** GetSchemas' result set: TABLE_SCHEM, TABLE_CATALOG (empty), one row per database. */
export function schemaRows(names: string[]): ResultShape {
  return {
    columns: [column('TABLE_SCHEM', TTypeId.STRING, 1), column('TABLE_CATALOG', TTypeId.STRING, 2)],
    rowCount: names.length,
    rows: (from, count) => {
      const values = names.slice(from, from + count);
      const nulls = noNulls(values.length);
      return [{ stringVal: { values, nulls } }, { stringVal: { values: values.map(() => ''), nulls } }];
    },
  };
}
