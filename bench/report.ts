// Shared pieces of the bench reports: medians, ratios, CPU time of a process, and the table.
import { readFileSync } from 'node:fs';

export const median = (xs: readonly number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Round r starts with column r mod n, so no column always runs first (or last, after the others warmed the machine). */
export const rotate = <T>(xs: readonly T[], r: number): T[] => xs.map((_, i) => xs[(i + r) % xs.length]!);

export const fmt = (v: number | null, digits = 0): string => (v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(digits));
export const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b === 0 ? null : a / b);

/** User plus system CPU time of a process and all its threads, in microseconds (clock ticks are 10 ms here). */
export function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** A table row: label, metric key, digits. */
export type Row = readonly [string, string, number];

const RATIOS: ReadonlyArray<readonly [string, string]> = [
  ['router', 'haproxy'],
  ['prod', 'haproxy'],
  ['router', 'bare'],
  ['router', 'base'],
  ['router', 'direct'],
];

/** One markdown table: a column per server, then the ratios the targets are judged on. */
export function printTable<C extends string>(rows: readonly Row[], cols: readonly C[], med: (metric: string, col: C) => number | null): void {
  const ratios = RATIOS.filter(([a, b]) => cols.includes(a as C) && cols.includes(b as C));
  const head = ['metric (median)', ...cols, ...ratios.map(([a, b]) => `${a}/${b}`)];
  const table = rows
    .filter(([, m]) => cols.some((c) => med(m, c) !== null))
    .map(([label, m, d]) => [label, ...cols.map((c) => fmt(med(m, c), d)), ...ratios.map(([a, b]) => fmt(ratio(med(m, a as C), med(m, b as C)), 2))]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log('');
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|')}|`);
  for (const r of table) console.log(line(r));
}
