/**
 * Keys that occur twice in one object of a JSON text. JSON.parse keeps the last silently; strict
 * log pipelines reject the line. Assumes valid JSON (a string followed by ':' is a key).
 */
export function duplicateKeys(json: string): string[] {
  const dups: string[] = [];
  const objects: Array<Set<string> | null> = [];
  let i = 0;
  while (i < json.length) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const text = json.slice(i, end + 1);
      i = end + 1;
      while (json[i] === ' ' || json[i] === '\n' || json[i] === '\t' || json[i] === '\r') i++;
      const keys = objects.at(-1);
      if (json[i] === ':' && keys) {
        const key = JSON.parse(text) as string;
        if (keys.has(key)) dups.push(key);
        keys.add(key);
      }
      continue;
    }
    if (c === '{') objects.push(new Set());
    else if (c === '[') objects.push(null);
    else if (c === '}' || c === ']') objects.pop();
    i++;
  }
  return dups;
}
