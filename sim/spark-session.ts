// The state one JDBC session holds inside a Livy interactive session: its own SparkSession, with
// a current database, SET values and temporary views. Livy gives every Thrift session a fresh
// SparkSession (apache/incubator-livy thriftserver/session/src/main/scala/org/apache/livy/
// thriftserver/session/ThriftSessionState.scala: `spark.newSession()`), so a session reattached
// on another node starts with none of it: what the client set must be replayed.
import { parseQuery, resultOf, singleString, type ResultShape } from './queries.js';
import { TTypeId } from './tcli.js';

/** What a statement did, for the service: a result, or a Spark error with its SQLSTATE. */
export type StatementOutcome =
  | { ok: true; shape: ResultShape; write: { kind: string; target: string } | undefined; query: ReturnType<typeof parseQuery> }
  | { ok: false; message: string; sqlState: string };

const EMPTY: ResultShape = { columns: [], rowCount: 0, rows: () => [] };

function keyValue(key: string, value: string): ResultShape {
  const col = (name: string, position: number) => ({ columnName: name, typeDesc: { types: [{ primitiveEntry: { type: TTypeId.STRING } }] }, position });
  return {
    columns: [col('key', 1), col('value', 2)],
    rowCount: 1,
    rows: (from, count) => {
      const on = from === 0 && count > 0;
      const nulls = Buffer.alloc(1);
      return [{ stringVal: { values: on ? [key] : [], nulls } }, { stringVal: { values: on ? [value] : [], nulls } }];
    },
  };
}

export class SparkSessionState {
  database = 'default';
  readonly conf = new Map<string, string>();
  /** Temporary view name (lower case) -> the SELECT it stands for. */
  readonly views = new Map<string, string>();

  constructor(
    private readonly appId: string,
    private readonly nodeName: string,
  ) {}

  /** Run one statement against this session's state (one statement; a trailing ';' ignored). */
  run(sql: string): StatementOutcome {
    const text = sql.trim().replace(/;\s*$/, '').trim().replace(/\s+/g, ' ');
    const lower = text.toLowerCase();
    const done = (shape: ResultShape, write?: { kind: string; target: string }): StatementOutcome => ({ ok: true, shape, write, query: undefined });
    let m: RegExpExecArray | null;
    if ((m = /^use (\w+)$/i.exec(text))) {
      this.database = m[1]!.toLowerCase();
      return done(EMPTY);
    }
    if (lower === 'reset') {
      this.conf.clear();
      return done(EMPTY);
    }
    if ((m = /^set ([\w.:-]+) ?= ?(.*)$/i.exec(text))) {
      this.conf.set(m[1]!, m[2]!.trim());
      return done(keyValue(m[1]!, m[2]!.trim()));
    }
    if ((m = /^set ([\w.:-]+)$/i.exec(text))) {
      const key = m[1]!;
      // spark.app.id is a Spark configuration every SparkSession of the application shares.
      const value = key === 'spark.app.id' ? this.appId : (this.conf.get(key) ?? '<undefined>');
      return done(keyValue(key, value));
    }
    if (lower === 'select current_database()') return done(singleString('current_database()', this.database));
    if ((m = /^create (?:or replace )?temporary view (\w+) as (.+)$/i.exec(text))) {
      const inner = this.run(m[2]!);
      if (!inner.ok) return inner;
      this.views.set(m[1]!.toLowerCase(), m[2]!);
      return done(EMPTY);
    }
    if ((m = /^drop view (?:if exists )?(\w+)$/i.exec(text))) {
      this.views.delete(m[1]!.toLowerCase());
      return done(EMPTY);
    }
    if ((m = /^select \* from (\w+)$/i.exec(text))) {
      const view = this.views.get(m[1]!.toLowerCase());
      if (view === undefined) return { ok: false, message: `Table or view not found: ${m[1]}`, sqlState: '42S02' };
      return this.run(view);
    }
    if ((m = /^insert (?:into|overwrite) (?:table )?([\w.]+)\b/i.exec(text))) return done(EMPTY, { kind: 'insert', target: m[1]!.toLowerCase() });
    if ((m = /^create table (?:if not exists )?([\w.]+)\b/i.exec(text))) return done(EMPTY, { kind: 'create-table', target: m[1]!.toLowerCase() });
    const query = parseQuery(text);
    if (!query) return { ok: false, message: 'Error while compiling statement: the simulator does not support this statement', sqlState: '42000' };
    return { ok: true, shape: resultOf(query, this.nodeName), write: undefined, query };
  }
}
