import type { z } from 'zod';
import { configSchema, type NodeConfig, type RouterConfig } from './schema.js';
import { expandShorthands } from './shorthands.js';
import { configWarnings } from './warnings.js';
import { closest, keysAt } from './suggest.js';

/** `warnings`: valid settings that do not do what they say (config/warnings.ts). */
export type Validation = { ok: true; config: RouterConfig; warnings: string[] } | { ok: false; problems: string[] };

/** `nodes[1].port`, as an operator would write it. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  }
  return out || '(root)';
}

function formatIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? `${formatPath(issue.path)}.` : '';
    const known = keysAt(configSchema, issue.path);
    return issue.keys
      .map((k) => {
        const meant = closest(k, known);
        return `${where}${k}: unknown option${meant ? ` (did you mean ${meant}?)` : ''}`;
      })
      .join('\n');
  }
  return `${formatPath(issue.path)}: ${issue.message}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Validate once at the edge: every problem is reported with its path, and the result is frozen
 * so nothing deeper can change it behind the router's back.
 */
export function validateConfig(input: unknown): Validation {
  const expanded = expandShorthands(input);
  const parsed = configSchema.safeParse(expanded.values);
  if (!parsed.success || expanded.problems.length) {
    const under = (path: string) => expanded.reported.some((r) => path === r || path.startsWith(`${r}.`) || path.startsWith(`${r}[`));
    const issues = parsed.success ? [] : parsed.error.issues.filter((i) => !under(formatPath(i.path)));
    return { ok: false, problems: [...expanded.problems, ...issues.flatMap((i) => formatIssue(i).split('\n'))] };
  }
  const problems: string[] = [];
  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  const nodes: NodeConfig[] = parsed.data.nodes.map((node, i) => {
    const address = `${node.host}:${node.port}`;
    const name = node.name ?? address;
    const sameName = names.get(name);
    if (sameName !== undefined) problems.push(`nodes[${i}].name: "${name}" is already used by nodes[${sameName}]`);
    names.set(name, i);
    const sameAddress = addresses.get(address);
    if (sameAddress !== undefined) problems.push(`nodes[${i}]: ${address} is already listed as nodes[${sameAddress}]`);
    addresses.set(address, i);
    return { ...node, name };
  });
  const listens = new Map<string, number>();
  parsed.data.listeners.forEach((l, i) => {
    const key = `${l.host}:${l.port}`;
    const same = listens.get(key);
    if (l.port !== 0 && same !== undefined) problems.push(`listeners[${i}]: ${key} is already listed as listeners[${same}]`);
    listens.set(key, i);
  });
  const { admin } = parsed.data;
  if (admin.enabled && admin.port !== 0) {
    // Two sockets on one port fail at start-up with a bare EADDRINUSE; say which two here.
    const wildcard = (h: string) => h === '0.0.0.0' || h === '::';
    parsed.data.listeners.forEach((l, i) => {
      if (l.port === admin.port && (l.host === admin.host || wildcard(l.host) || wildcard(admin.host))) {
        problems.push(
          `admin.port: ${admin.port} is also the port of listeners[${i}] (${l.host}:${l.port}); give the admin endpoint another port or turn it off (admin: off)`,
        );
      }
    });
  }
  if (problems.length) return { ok: false, problems };
  const config: RouterConfig = deepFreeze({ ...parsed.data, nodes });
  return { ok: true, config, warnings: configWarnings(expanded.values, config) };
}
