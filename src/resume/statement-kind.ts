// What a statement does, as far as resuming its session goes. Read from the text alone (no
// parser): anything not recognised as a read or as session state counts as a write, so the
// doubt always falls on the side that never re-runs a statement.
export type StatementKind = 'state' | 'read' | 'write';

/** Leading blanks and SQL comments, which say nothing about the statement. */
function strip(sql: string): string {
  let text = sql;
  for (;;) {
    const next = text
      .replace(/^\s+/, '')
      .replace(/^--[^\n]*(\n|$)/, '')
      .replace(/^\/\*[\s\S]*?\*\//, '');
    if (next === text) return text;
    text = next;
  }
}

const STATE =
  /^(use\s|set\s|set$|reset\b|add\s+(jar|file|archive)s?\s|create\s+(or\s+replace\s+)?(global\s+)?temp(orary)?\s+(view|function)\s|drop\s+temp(orary)?\s+function\s)/i;
const READ = /^(select|with|show|describe|desc|explain|values|list)\b/i;
const HIDDEN_WRITE = /\b(insert|create|drop|alter|merge|update|delete|truncate)\b/i;

export function statementKind(sql: string): StatementKind {
  const text = strip(sql);
  if (STATE.test(text)) return 'state';
  // A WITH ... INSERT, or a SELECT with a hidden DDL word, is not provably a read.
  if (READ.test(text) && !HIDDEN_WRITE.test(text)) return 'read';
  return 'write';
}

/** The history key a session-state statement replaces, and what it removes (see history.ts). */
export function stateKey(sql: string): { key: string; removes?: RegExp; keep: boolean } {
  const text = strip(sql).replace(/;\s*$/, '');
  let m: RegExpExecArray | null;
  if (/^use\s/i.test(text)) return { key: 'use', keep: true };
  if ((m = /^set\s+([^=\s]+)\s*=/i.exec(text))) return { key: `set:${m[1]!.toLowerCase()}`, keep: true };
  // SET without a value reads; RESET brings a fresh SparkSession's defaults back.
  if (/^set(\s+[^=]*)?$/i.test(text)) return { key: 'read', keep: false };
  if ((m = /^reset\s+(\S+)$/i.exec(text)))
    return { key: `set:${m[1]!.toLowerCase()}`, removes: new RegExp(`^set:${escape(m[1]!.toLowerCase())}$`), keep: false };
  if (/^reset$/i.test(text)) return { key: 'reset', removes: /^set:/, keep: false };
  if ((m = /^create\s+(?:or\s+replace\s+)?(?:global\s+)?temp(?:orary)?\s+(view|function)\s+(?:if\s+not\s+exists\s+)?(\S+)/i.exec(text))) {
    return { key: `${m[1]!.toLowerCase()}:${m[2]!.toLowerCase()}`, keep: true };
  }
  if ((m = /^drop\s+temp(?:orary)?\s+function\s+(?:if\s+exists\s+)?(\S+)/i.exec(text))) {
    return { key: `function:${m[1]!.toLowerCase()}`, removes: new RegExp(`^function:${escape(m[1]!.toLowerCase())}$`), keep: false };
  }
  return { key: `add:${text}`, keep: true };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
