import http from 'node:http';
import https from 'node:https';
import type { StatusReport } from '../admin/status.js';

export interface StatusArgs {
  admin: string;
  json?: boolean;
  /** Only ask /healthz (the container's HEALTHCHECK): exit 0 on 200, 1 otherwise. */
  healthz?: boolean;
  timeoutMs: number;
}

/** Exit codes, so scripts can tell "no active node" from "router unreachable". */
export const STATUS_EXIT = { active: 0, unreachable: 1, noActive: 2 } as const;

/** `HOST:PORT` or a URL; `path` is used when the URL has none. */
export function statusUrl(admin: string, path = '/status'): URL {
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(admin) ? admin : `http://${admin}`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = path;
  return url;
}

/**
 * One GET with node:http, not fetch: fetch refuses the ports browsers block (6000, 10080, ...),
 * and an admin endpoint may well be on one of them.
 */
function get(url: URL, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', fail);
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    function fail(err: Error): void {
      clearTimeout(timer);
      reject(err);
    }
    req.on('error', fail);
  });
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
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Where the node list came from, when not from the file: Cloudera Manager, how fresh, failing or not. */
function nodeSource(s: StatusReport, now: number): string {
  const cm = s.nodeList?.clouderaManager;
  if (!cm) return '';
  const age = s.nodeList?.updatedAt ? `confirmed ${ago(s.nodeList.updatedAt, now)}` : 'NO LIST YET';
  const failing = cm.consecutiveFailures > 0 ? `; ${cm.consecutiveFailures} failed poll(s) in a row: ${cm.lastError ?? ''}` : '';
  return `nodes from: Cloudera Manager ${cm.url}, ${age}${failing}`;
}

/** Columns the human view keeps within (a terminal of 100 columns, a journal, a ticket). */
export const STATUS_WIDTH = 100;

/** `text` cut into lines of at most `width` characters, at spaces where it can. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(' ', width);
    const at = cut > width / 2 ? cut : width;
    lines.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  return [...lines, rest];
}

/**
 * The human view of GET /status: one line per node, the active marked with `*`, and under it why
 * the node is in its state; every line within STATUS_WIDTH columns (the reasons are wrapped).
 */
export function formatStatus(s: StatusReport, from: string, now = Date.now()): string {
  const d = s.descriptors;
  const head = [
    `livy-router at ${from} (pid ${s.pid}, up ${ago(s.startedAt, now).replace(' ago', '')}${s.draining ? ', DRAINING' : ''})`,
    `active: ${s.active ?? 'NONE (new clients wait or are refused)'}   health check: ${s.healthCheck}`,
    `connections: ${s.connections.open} open, ${s.connections.held} waiting` +
      (d ? `   clients: ${d.clients} of ${d.budget} (open files limit ${d.limit})` : ''),
    `listening: ${s.listeners.map((l) => `${l.address} (${l.transport})`).join(', ')}`,
    nodeSource(s, now),
  ]
    .filter((line) => line !== '')
    .flatMap((line) => wrap(line, STATUS_WIDTH));
  const rows = [['', 'NODE', 'ADDRESS', 'STATE', 'SINCE', 'CONNS', 'LAST CHECK']];
  for (const n of s.nodes) {
    const check = n.lastCheck ? `${n.lastCheck.result}, ${n.lastCheck.latencyMs} ms, ${ago(n.lastCheck.at, now)}` : '-';
    const state = n.maintenance ? `${n.state} (maintenance)` : n.state;
    rows.push([n.name === s.active ? '*' : '', n.name, n.address, state, ago(n.since, now), String(n.connections), check]);
  }
  const lines = table(rows).split('\n');
  // Under ADDRESS, so the reason reads as part of its node's row, not as another node.
  const indent = ' '.repeat(Math.min(lines[0]!.indexOf('ADDRESS'), 24));
  const body = [lines[0]!];
  s.nodes.forEach((n, i) => {
    body.push(lines[i + 1]!);
    body.push(...wrap(n.reason, STATUS_WIDTH - indent.length).map((l) => indent + l));
  });
  return `${head.join('\n')}\n\n${body.join('\n')}\n`;
}

/** `livy-router status`: asks a running router's admin endpoint and prints a table (or the JSON). */
export async function statusCommand(
  args: StatusArgs,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let url: URL;
  try {
    url = statusUrl(args.admin, args.healthz ? '/healthz' : '/status');
  } catch {
    err.write(`livy-router status: --admin "${args.admin}" is neither HOST:PORT nor a URL\n`);
    return STATUS_EXIT.unreachable;
  }
  if (args.healthz) {
    try {
      const { status, body } = await get(url, args.timeoutMs);
      out.write(body);
      return status === 200 ? 0 : STATUS_EXIT.unreachable;
    } catch (e) {
      err.write(`livy-router status: cannot read ${url.href}: ${(e as Error).message}\n`);
      return STATUS_EXIT.unreachable;
    }
  }
  let report: StatusReport;
  try {
    const { status, body } = await get(url, args.timeoutMs);
    if (status !== 200) throw new Error(`HTTP ${status}`);
    report = JSON.parse(body) as StatusReport;
    if (!Array.isArray(report.nodes)) throw new Error('the answer is not a livy-router status');
  } catch (e) {
    err.write(`livy-router status: cannot read ${url.href}: ${e instanceof Error ? e.message : String(e)}\n`);
    return STATUS_EXIT.unreachable;
  }
  out.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report, url.origin));
  return report.active ? STATUS_EXIT.active : STATUS_EXIT.noActive;
}
