#!/usr/bin/env node
// The folder layout is the data flow (STYLE.md, "The shape we want"): a client's bytes go
// listener -> cluster (who is active, who waits) -> upstream (dial, trial) -> session (pipes,
// registry); wire/ (byte codecs, transport detection) is usable by every layer. This check reads
// every import in src/ and fails on:
//   1. an import from a lower layer back up (a layer may import its own and lower layers only);
//   2. a circle between files, or between folders (type-only imports count: a circle of types is
//      still two modules that cannot be read apart).
// Exit 1 with every problem listed. No dependencies: a regex over the import specifiers is enough
// for this codebase (ESM, relative specifiers ending in .js).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'src');

// Top to bottom. A folder (or a file directly in src/) imports from its own row or any row below.
const LAYERS = [
  ['cli'],
  ['service.ts'],
  ['admin', 'discovery', 'metrics', 'rest'],
  ['router.ts'],
  ['resume'],
  ['listener', 'health', 'node-list'],
  ['cluster'],
  ['upstream'],
  ['session'],
  ['handshake'],
  ['wire'],
  ['config', 'errors.ts', 'log.ts', 'observe.ts', 'started-line.ts', 'version.ts', 'serial.ts'],
];

const rankOf = new Map(LAYERS.flatMap((row, i) => row.map((unit) => [unit, i])));

/** The layer unit of a path under src/: its first folder, or the file name for top-level files. */
const unitOf = (rel) => rel.split('/')[0];

function listTs(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return listTs(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

const problems = [];
const edges = new Map(); // file -> Set(file), both relative to src/
for (const file of listTs(SRC)) {
  const rel = path.relative(SRC, file);
  const out = new Set();
  edges.set(rel, out);
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    const target = path.relative(SRC, path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
    if (target.startsWith('..')) continue; // outside src/ (the demo's simulator): not layered here
    out.add(target);
    const [from, to] = [unitOf(rel), unitOf(target)];
    const [rf, rt] = [rankOf.get(from), rankOf.get(to)];
    if (rf === undefined) problems.push(`${rel}: folder or file "${from}" has no layer in .ci/check-layers.mjs`);
    else if (rt === undefined) problems.push(`${rel} imports ${target}: "${to}" has no layer in .ci/check-layers.mjs`);
    else if (rt < rf) problems.push(`${rel} imports ${target}: upward, from layer "${from}" back up to "${to}"`);
  }
}

/** Strongly connected components with more than one member (Tarjan): each is a circle. */
function circles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const found = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) !== idx.get(v)) return;
    const scc = [];
    let w;
    do {
      w = stack.pop();
      on.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? new Set()).has(v)) found.push(scc.sort());
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

for (const scc of circles(edges)) problems.push(`import circle between files: ${scc.join(' <-> ')}`);

const folders = new Map();
for (const [from, tos] of edges) {
  const f = unitOf(from);
  if (!folders.has(f)) folders.set(f, new Set());
  for (const t of tos) if (unitOf(t) !== f) folders.get(f).add(unitOf(t));
}
for (const scc of circles(folders)) problems.push(`import circle between folders: ${scc.join(' <-> ')}`);

if (problems.length) {
  process.stderr.write(`layer check: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}\n`).join('')}`);
  process.exit(1);
}
process.stdout.write(`layer check: ${edges.size} files in src/, no upward import, no circle\n`);
