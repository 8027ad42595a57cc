/**
 * A statement's digest, as ProxySQL's query digests: every literal replaced by `?`, comments
 * dropped, white space collapsed. What is left is the statement's shape, safe to log: string
 * literals ('...' and "..." in HiveQL), numbers, and the value of a SET (`SET k=v` needs no quotes,
 * and its value can be a password) never reach the digest. Backquoted identifiers are kept.
 */
const TOKENS =
  /'(?:[^'\\]|\\.|'')*'?|"(?:[^"\\]|\\.|"")*"?|`(?:[^`]|``)*`?|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|\b\d+(?:\.\d*)?(?:[eE][+-]?\d+)?[LSYBD]?\b|\.\d+(?:[eE][+-]?\d+)?\b|\b0[xX][0-9a-fA-F]+\b|\s+/g;
const SET = /^\s*(set)(\s+[^=]*?)\s*=.*$/is;
const MAX_DIGEST = 1024;

export function statementDigest(sql: string): string {
  const set = SET.exec(sql);
  if (set) return `${set[1]!.toUpperCase()} ${squash(set[2]!)} = ?`;
  const out = sql.replace(TOKENS, (tok) => {
    const c = tok[0]!;
    if (c === '`') return tok;
    if (c === '-' || c === '/') return ' ';
    if (/\s/.test(c)) return ' ';
    return '?';
  });
  const digest = out.replace(/\s+/g, ' ').trim();
  return digest.length > MAX_DIGEST ? `${digest.slice(0, MAX_DIGEST)}...` : digest;
}

function squash(text: string): string {
  return statementDigest(text).replace(/\s+/g, ' ').trim();
}
