import { z } from 'zod';

/** Strips default/prefault/optional/pipe wrappers down to the shape that holds the keys. */
function unwrap(schema: z.ZodType): z.ZodType {
  let t = schema;
  for (;;) {
    const def = t._zod.def as { innerType?: z.ZodType; in?: z.ZodType };
    const inner = def.innerType ?? def.in;
    if (!inner) return t;
    t = inner;
  }
}

/** The option names allowed at `path` (array indices skipped), or none when `path` leads nowhere. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let t = unwrap(schema);
  for (const key of path) {
    if (t instanceof z.ZodArray && typeof key === 'number') t = unwrap(t.element as z.ZodType);
    else if (t instanceof z.ZodObject && typeof key === 'string' && key in t.shape) t = unwrap(t.shape[key] as z.ZodType);
    else return [];
  }
  return t instanceof z.ZodObject ? Object.keys(t.shape) : [];
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The known name a mistyped one most likely meant (case, a letter or two, snake_case), if any. */
export function closest(typed: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(norm(typed), norm(name));
    if (!best || distance < best.distance) best = { name, distance };
  }
  const allowed = Math.max(1, Math.floor(typed.length / 4));
  return best && best.distance <= allowed ? best.name : undefined;
}
