/**
 * Turns command-line flags into the same shape as the config file, so one validator
 * reports problems for both. `--listen` and `--node` replace the file's lists (order = priority).
 */
import { applyCmFlags, type CmFlags } from './cloudera-manager-flags.js';

export interface CliFlags extends CmFlags {
  listen?: string[];
  node?: string[];
  nodeTransport?: string;
  onActiveLost?: string;
  connectTimeoutMs?: number;
  logLevel?: string;
  logPretty?: boolean;
  logFlushMs?: number;
  check?: string;
  admin?: string;
  restListen?: string;
  zkConnect?: string;
  zkNamespace?: string;
  advertise?: string;
  observeSessions?: boolean;
}

export interface Overrides {
  values: Record<string, unknown>;
  problems: string[];
}

/** `host:port`, `[v6]:port` or `:port`; the port stays a string when it is not a number so the validator names it. */
export function splitHostPort(text: string): { host: string | undefined; port: number | string } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):([^:]+)$/.exec(text.trim());
  if (!m) return undefined;
  const host = m[1] ?? m[2];
  const port = /^\d+$/.test(m[3]!) ? Number(m[3]) : m[3]!;
  return { host: host === '' ? undefined : host, port };
}

function parseOptions(parts: string[], flag: string, text: string, allowed: string[], problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = eq > 0 ? part.slice(0, eq) : part;
    if (eq <= 0 || !allowed.includes(key)) {
      problems.push(`${flag} "${text}": unknown option "${part}" (allowed: ${allowed.map((a) => `${a}=...`).join(', ')})`);
      continue;
    }
    out[key] = part.slice(eq + 1);
  }
  return out;
}

const numberOr = (s: string): number | string => (/^\d+$/.test(s) ? Number(s) : s);

export function parseListenFlag(text: string, problems: string[]): Record<string, unknown> | undefined {
  const [addr, ...rest] = text.split(',');
  const hp = splitHostPort(addr ?? '');
  if (!hp) {
    problems.push(`--listen "${text}": expected HOST:PORT[,transport=binary|http|auto]`);
    return undefined;
  }
  const opts = parseOptions(rest, '--listen', text, ['transport'], problems);
  return { ...(hp.host ? { host: hp.host } : {}), port: hp.port, ...(opts.transport ? { transport: opts.transport } : {}) };
}

export const NODE_SPEC = '[NAME=]HOST:PORT[,rest=RESTPORT]';

/**
 * `[NAME=]HOST:PORT[,rest=RESTPORT]`, the form of `--node` and of a node written as a string in
 * the file; `label` names where it came from in problems (`--node`, `nodes[2]`).
 */
export function parseNodeSpec(text: string, label: string, problems: string[]): Record<string, unknown> | undefined {
  const [first, ...rest] = text.split(',');
  const eq = (first ?? '').indexOf('=');
  const name = eq > 0 ? first!.slice(0, eq) : undefined;
  const hp = splitHostPort(eq > 0 ? first!.slice(eq + 1) : (first ?? ''));
  if (!hp || !hp.host) {
    problems.push(`${label} "${text}": expected ${NODE_SPEC}`);
    return undefined;
  }
  const opts = parseOptions(rest, label, text, ['rest'], problems);
  return {
    ...(name ? { name } : {}),
    host: hp.host,
    port: hp.port,
    ...(opts.rest !== undefined ? { restPort: numberOr(opts.rest) } : {}),
  };
}

function setIn(target: Record<string, unknown>, key: string, field: string, value: unknown): void {
  const current = target[key];
  // A file's `admin: off` is not an object: a flag for one of its fields replaces it.
  const inner = typeof current === 'object' && current !== null ? (current as Record<string, unknown>) : {};
  target[key] = { ...inner, [field]: value };
}

/** Applies flags on top of the file's raw object (before validation). */
export function applyCliFlags(raw: Record<string, unknown>, flags: CliFlags): Overrides {
  const problems: string[] = [];
  const values: Record<string, unknown> = { ...raw };
  if (flags.listen?.length) {
    values.listeners = flags.listen.map((l) => parseListenFlag(l, problems)).filter(Boolean);
  }
  if (flags.node?.length) {
    values.nodes = flags.node.map((n) => parseNodeSpec(n, '--node', problems)).filter(Boolean);
  }
  if (flags.nodeTransport !== undefined) values.nodeTransport = flags.nodeTransport;
  if (flags.onActiveLost !== undefined) values.onActiveLost = flags.onActiveLost;
  if (flags.connectTimeoutMs !== undefined) values.connectTimeoutMs = flags.connectTimeoutMs;
  if (flags.logLevel !== undefined) setIn(values, 'log', 'level', flags.logLevel);
  if (flags.logPretty !== undefined) setIn(values, 'log', 'pretty', flags.logPretty);
  if (flags.logFlushMs !== undefined) setIn(values, 'log', 'flushMs', flags.logFlushMs);
  if (flags.check !== undefined) setIn(values, 'health', 'kind', flags.check);
  if (flags.observeSessions !== undefined) setIn(values, 'session', 'observe', flags.observeSessions);
  if (flags.admin === 'off') setIn(values, 'admin', 'enabled', false);
  else if (flags.admin !== undefined) {
    const hp = splitHostPort(flags.admin);
    if (!hp) problems.push(`--admin "${flags.admin}": expected HOST:PORT or off`);
    else {
      setIn(values, 'admin', 'port', hp.port);
      setIn(values, 'admin', 'enabled', true);
      if (hp.host) setIn(values, 'admin', 'host', hp.host);
    }
  }
  if (flags.restListen !== undefined) {
    const hp = splitHostPort(flags.restListen);
    if (!hp) problems.push(`--rest-listen "${flags.restListen}": expected HOST:PORT`);
    else {
      setIn(values, 'rest', 'port', hp.port);
      if (hp.host) setIn(values, 'rest', 'host', hp.host);
    }
  }
  applyZookeeperFlags(values, flags, problems);
  applyCmFlags(values, flags, problems);
  return { values, problems };
}

/** `--zk-connect` alone turns registration on; `--zk-namespace` and `--advertise` need it (or the file's section). */
function applyZookeeperFlags(values: Record<string, unknown>, flags: CliFlags, problems: string[]): void {
  if (flags.zkConnect === undefined && flags.zkNamespace === undefined && flags.advertise === undefined) return;
  const discovery = typeof values.discovery === 'object' && values.discovery !== null ? (values.discovery as Record<string, unknown>) : {};
  const current = typeof discovery.zookeeper === 'object' && discovery.zookeeper !== null ? (discovery.zookeeper as Record<string, unknown>) : undefined;
  if (!current && flags.zkConnect === undefined) {
    problems.push(
      `${flags.zkNamespace !== undefined ? '--zk-namespace' : '--advertise'}: needs --zk-connect HOST:PORT[,HOST:PORT...] or discovery.zookeeper in the config file`,
    );
    return;
  }
  const zk: Record<string, unknown> = { ...current };
  if (flags.zkConnect !== undefined) zk.connect = flags.zkConnect;
  if (flags.zkNamespace !== undefined) zk.namespace = flags.zkNamespace;
  if (flags.advertise !== undefined) zk.advertise = flags.advertise;
  values.discovery = { ...discovery, zookeeper: zk };
}
