import type { StatusReport } from '../admin/status.js';

export interface StatusArgs {
  admin: string;
  json?: boolean;
  timeoutMs: number;
}

/** Exit codes, so scripts can tell "no active node" from "router unreachable". */
export const STATUS_EXIT = { active: 0, unreachable: 1, noActive: 2 } as const;

/** `HOST:PORT` or a URL; `/status` is added when the URL has no path. */
export function statusUrl(admin: string): URL {
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(admin) ? admin : `http://${admin}`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/status';
  return url;
}

function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172_800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd()).join('\n');
}

/** The human view of GET /status: one line per node, the active marked with `*`. */
export function formatStatus(s: StatusReport, from: string, now = Date.now()): string {
  const head =
    `livy-router at ${from} (pid ${s.pid}, up ${ago(s.startedAt, now).replace(' ago', '')}${s.draining ? ', DRAINING' : ''})\n` +
    `active: ${s.active ?? 'NONE (new clients wait or are refused)'}   ` +
    `connections: ${s.connections.open} open, ${s.connections.held} waiting   health check: ${s.healthCheck}\n` +
    `listening: ${s.listeners.map((l) => `${l.address} (${l.transport})`).join(', ')}\n\n`;
  const rows = [['', 'NODE', 'ADDRESS', 'STATE', 'SINCE', 'CONNS', 'LAST CHECK', 'REASON']];
  for (const n of s.nodes) {
    const check = n.lastCheck ? `${n.lastCheck.result} ${n.lastCheck.latencyMs} ms, ${ago(n.lastCheck.at, now)}` : '-';
    rows.push([n.name === s.active ? '*' : '', n.name, n.address, n.state, ago(n.since, now), String(n.connections), check, n.reason]);
  }
  return `${head}${table(rows)}\n`;
}

/** `livy-router status`: asks a running router's admin endpoint and prints a table (or the JSON). */
export async function statusCommand(args: StatusArgs, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let url: URL;
  try {
    url = statusUrl(args.admin);
  } catch {
    err.write(`livy-router status: --admin "${args.admin}" is neither HOST:PORT nor a URL\n`);
    return STATUS_EXIT.unreachable;
  }
  let report: StatusReport;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(args.timeoutMs) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    report = (await res.json()) as StatusReport;
    if (!Array.isArray(report.nodes)) throw new Error('the answer is not a livy-router status');
  } catch (e) {
    const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e);
    err.write(`livy-router status: cannot read ${url.href}: ${reason}\n`);
    return STATUS_EXIT.unreachable;
  }
  out.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report, url.origin));
  return report.active ? STATUS_EXIT.active : STATUS_EXIT.noActive;
}
