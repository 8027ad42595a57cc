import { describe, expect, it } from 'vitest';
import { statementDigest } from '../../src/session/statement-digest.js';

describe('statement digests: the shape of a statement, never a literal', () => {
  it.each([
    ["SELECT * FROM t1 WHERE a = 'x' AND b = 42", 'SELECT * FROM t1 WHERE a = ? AND b = ?'],
    ["select 'it''s', \"dq \\\" str\", 1.5e3, -7, 0x1F, 10L from db2.t", 'select ?, ?, ?, -?, ?, ? from db2.t'],
    ['SELECT `col 1`, c2 FROM `db`.`t 3` LIMIT 100', 'SELECT `col 1`, c2 FROM `db`.`t 3` LIMIT ?'],
    ["INSERT INTO t VALUES (1, 'a'), (2, 'b')", 'INSERT INTO t VALUES (?, ?), (?, ?)'],
    ["select 1 -- secret 'pw'\n  /* and 'this' */ from   t", 'select ? from t'],
    ['SET hive.some.password=hunter2', 'SET hive.some.password = ?'],
    ["set livy.session.conf.x = 'y'", 'SET livy.session.conf.x = ?'],
    ["SELECT 'unterminated", 'SELECT ?'],
  ])('%j -> %j', (sql, digest) => {
    expect(statementDigest(sql)).toBe(digest);
  });

  it('never contains a literal of the statement, whatever the statement', () => {
    const secrets = ["'pw-9f2c'", '"pw-9f2c"', '424242', '3.14159'];
    for (const secret of secrets) {
      for (const sql of [`select ${secret}`, `select * from t where x=${secret}`, `SET k=${secret}`, `insert into t values(${secret},${secret})`]) {
        const digest = statementDigest(sql);
        expect(digest).not.toContain(secret.replace(/['"]/g, ''));
      }
    }
  });
});
