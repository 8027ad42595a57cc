// What a resumable session keeps and replays: statements classified from their text (a doubt
// counts as a write), the history pruned without breaking what a view may depend on, and capped.
import { describe, expect, test } from 'vitest';
import { History } from '../../src/resume/history.js';
import { statementKind } from '../../src/resume/statement-kind.js';

describe('statement kinds', () => {
  test.each([
    ['USE sales', 'state'],
    ['  -- note\n set spark.sql.shuffle.partitions = 8', 'state'],
    ['RESET', 'state'],
    ['create or replace temporary view v as select 1', 'state'],
    ['ADD JAR /tmp/x.jar', 'state'],
    ['SELECT * FROM t', 'read'],
    ['/* c */ with x as (select 1) select * from x', 'read'],
    ['SHOW TABLES', 'read'],
    ['WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x', 'write'],
    ['INSERT INTO t VALUES (1)', 'write'],
    ['CREATE TABLE t AS SELECT 1', 'write'],
    ['DROP TABLE t', 'write'],
    ['MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', 'write'],
    ['CACHE TABLE t', 'write'],
  ])('%s -> %s', (sql, kind) => {
    expect(statementKind(sql)).toBe(kind);
  });
});

describe('history', () => {
  test('a later SET or USE replaces the earlier one unless a view came between; RESET drops SETs', () => {
    const h = new History({ maxStatements: 10, maxBytes: 10_000 });
    for (const s of ['USE a', 'SET x=1', 'SET y=2', 'SET x=3', 'USE b']) h.add(s);
    expect(h.statements).toEqual(['SET y=2', 'SET x=3', 'USE b']);
    h.add('CREATE TEMPORARY VIEW v AS SELECT * FROM t');
    h.add('USE c');
    // The view was created while b was current: USE b stays before it.
    expect(h.statements).toEqual(['SET y=2', 'SET x=3', 'USE b', 'CREATE TEMPORARY VIEW v AS SELECT * FROM t', 'USE c']);
    h.add('RESET');
    expect(h.statements).toEqual(['SET y=2', 'SET x=3', 'USE b', 'CREATE TEMPORARY VIEW v AS SELECT * FROM t', 'USE c']);
    h.add('CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 2');
    expect(h.statements.filter((s) => s.includes('VIEW v'))).toEqual(['CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 2']);
    expect(h.overflowed).toBe(false);
  });

  test('past the cap the session is no longer resumable', () => {
    const h = new History({ maxStatements: 3, maxBytes: 10_000 });
    for (let i = 0; i < 4; i++) h.add(`ADD JAR /j${i}.jar`);
    expect(h.overflowed).toBe(true);
    expect(h.statements).toEqual([]);
  });
});
