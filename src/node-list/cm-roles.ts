import { z } from 'zod';
import type { NodeConfig } from '../config/schema.js';

/*
 * The JSON shapes of the Cloudera Manager API that the node list is made from, and the rules that
 * turn a Livy server role into a node. Pure: answers in, nodes and verdicts out (no I/O).
 * Shapes as documented by cloudera/cm_api (endpoints/roles.py, services.py, hosts.py) and read
 * by apache/knox gateway-discovery-cm (LivyServiceModelGenerator): `name` or `relatedName`
 * matches, `value` null means the role uses `default`.
 */

const list = <T extends z.ZodType>(item: T) => z.looseObject({ items: z.array(item) });

export const clustersAnswer = list(z.looseObject({ name: z.string(), displayName: z.string().optional() }));
export const servicesAnswer = list(z.looseObject({ name: z.string(), type: z.string(), displayName: z.string().optional() }));
export const rolesAnswer = list(
  z.looseObject({
    name: z.string(),
    type: z.string(),
    hostRef: z.looseObject({ hostId: z.string(), hostname: z.string().optional() }),
    roleState: z.string().optional(),
    commissionState: z.string().optional(),
    maintenanceMode: z.boolean().optional(),
    healthSummary: z.string().optional(),
  }),
);
export const hostAnswer = z.looseObject({ hostId: z.string().optional(), hostname: z.string(), ipAddress: z.string().optional() });
export const roleConfigAnswer = list(
  z.looseObject({
    name: z.string(),
    relatedName: z.string().optional(),
    value: z.string().nullable().optional(),
    default: z.string().nullable().optional(),
  }),
);

export type CmRole = z.infer<typeof rolesAnswer>['items'][number];
export type CmConfigItem = z.infer<typeof roleConfigAnswer>['items'][number];

/** Settings the router needs from a role; when the role config lists none of the Thrift ones, the generated livy.conf has them. */
export const THRIFT_KEYS = ['livy.server.thrift.port', 'livy.server.thrift.transport.mode'] as const;
export const processAnswer = z.looseObject({ configFiles: z.array(z.string()).optional() });

/** `key = value` lines of a generated livy.conf as config items (value set, no default); comments skipped. */
export function livyConfItems(text: string): CmConfigItem[] {
  return text.split('\n').flatMap((line) => {
    const m = /^\s*([A-Za-z0-9_.-]+)\s*[=\s]\s*(.*?)\s*$/.exec(line);
    return m && !line.trim().startsWith('#') ? [{ name: m[1]!, value: m[2]! }] : [];
  });
}

/** Livy for Spark 2, 3 and 4. */
export const LIVY_SERVICE_TYPES: readonly string[] = ['LIVY', 'LIVY_FOR_SPARK3', 'LIVY_FOR_SPARK4'];
const isLivyServer = (type: string) => /^LIVY_SERVER(_FOR_SPARK\d+)?$/.test(type);

/** Livy's own defaults (livy.conf.template), used when CM has neither a value nor a default. */
export const LIVY_DEFAULTS = { restPort: 8998, thriftPort: 10090, transport: 'binary', httpPath: 'cliservice', tls: false } as const;

/** One role, kept as a node or skipped, and why: what `livy-router discover` prints. */
export interface RoleVerdict {
  readonly role: string;
  readonly type: string;
  readonly host: string | undefined;
  readonly reason: string;
  readonly node?: DiscoveredNode;
}

export interface DiscoveredNode {
  readonly node: NodeConfig;
  readonly role: string;
  readonly hostId: string;
  readonly maintenance: boolean;
  readonly transport: string;
  readonly httpPath: string;
  readonly tls: boolean;
}

/** Why a role is no node before its host and config are read; undefined: read on. */
export function roleSkipReason(role: CmRole): string | undefined {
  if (!isLivyServer(role.type)) return `not a Livy server role (${role.type})`;
  if (role.roleState !== 'STARTED') return `role ${role.roleState ?? 'without a roleState'}, not STARTED`;
  // Older CM versions leave commissionState out: the role is then commissioned.
  if (role.commissionState !== undefined && role.commissionState !== 'COMMISSIONED') return `role ${role.commissionState}, not COMMISSIONED`;
  return undefined;
}

/** `*.example.com` -> whole-name, case-insensitive match; `*` any run of characters, `?` one. */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => {
    const re = p
      .replace(/[.+^${}()|[\]\\-]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    return new RegExp(`^${re}$`, 'i').test(host);
  });
}

/** The role's effective setting: `value`, else CM's `default` (value null means "use the default"). */
export function setting(items: readonly CmConfigItem[], keys: readonly string[]): string | undefined {
  const item = items.find((i) => keys.includes(i.name) || (i.relatedName !== undefined && keys.includes(i.relatedName)));
  return item?.value ?? item?.default ?? undefined;
}

const asPort = (text: string | undefined, fallback: number): number | string => {
  if (text === undefined) return fallback;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : text;
};

/** Node names follow the role names, so logs and metrics stay readable; the schema's alphabet. */
export const nodeName = (role: string) => role.replace(/[^A-Za-z0-9._-]/g, '-');

/**
 * The node a started, commissioned Livy server role on `host` makes, or why it makes none
 * (an unreadable port, a transport the router is not set up for).
 */
export function nodeFromRole(role: CmRole, host: string, items: readonly CmConfigItem[], nodeTransport: string): DiscoveredNode | string {
  const restPort = asPort(setting(items, ['livy_server_port', 'livy.server.port']), LIVY_DEFAULTS.restPort);
  const thriftPort = asPort(setting(items, ['livy.server.thrift.port', 'livy_server_thrift_port']), LIVY_DEFAULTS.thriftPort);
  if (typeof restPort === 'string') return `REST port ${JSON.stringify(restPort)} is not a port`;
  if (typeof thriftPort === 'string') return `Thrift port ${JSON.stringify(thriftPort)} is not a port`;
  const transport = (setting(items, ['livy.server.thrift.transport.mode']) ?? LIVY_DEFAULTS.transport).toLowerCase();
  if (transport !== nodeTransport) {
    return `speaks Thrift ${transport} but nodeTransport is ${nodeTransport} (one cluster speaks one transport: set nodeTransport: ${transport})`;
  }
  const httpPath = setting(items, ['livy.server.thrift.http.path']) ?? LIVY_DEFAULTS.httpPath;
  const tls = (setting(items, ['ssl_enabled', 'livy.keystore.enabled']) ?? String(LIVY_DEFAULTS.tls)).toLowerCase() === 'true';
  const node: NodeConfig = {
    name: nodeName(role.name),
    host,
    port: thriftPort,
    restPort,
    // Livy's TLS setting covers its REST port: the health checks must speak https to it.
    ...(tls ? { check: { tls: true } } : {}),
  };
  return { node, role: role.name, hostId: role.hostRef.hostId, maintenance: role.maintenanceMode === true, transport, httpPath, tls };
}

/** One line per node for logs: what changed between two lists, with the reason. */
export interface ListChange {
  readonly node: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly reason: string;
}

export function diffLists(before: readonly DiscoveredNode[], after: readonly DiscoveredNode[], verdicts: readonly RoleVerdict[]): ListChange[] {
  const old = new Map(before.map((d) => [d.node.name, d]));
  const now = new Map(after.map((d) => [d.node.name, d]));
  const changes: ListChange[] = [];
  for (const d of after) {
    const was = old.get(d.node.name);
    if (!was) changes.push({ node: d.node.name, change: 'added', reason: `role added on ${d.node.host}:${d.node.port}` });
    else if (was.node.host !== d.node.host) changes.push({ node: d.node.name, change: 'changed', reason: `host moved: ${was.node.host} -> ${d.node.host}` });
    else if (JSON.stringify(was.node) !== JSON.stringify(d.node) || was.maintenance !== d.maintenance) {
      changes.push({ node: d.node.name, change: 'changed', reason: describeChange(was, d) });
    }
  }
  for (const d of before) {
    if (now.has(d.node.name)) continue;
    const verdict = verdicts.find((v) => nodeName(v.role) === d.node.name);
    changes.push({ node: d.node.name, change: 'removed', reason: verdict ? verdict.reason : 'role deleted' });
  }
  return changes;
}

function describeChange(was: DiscoveredNode, now: DiscoveredNode): string {
  const parts: string[] = [];
  if (was.node.port !== now.node.port) parts.push(`Thrift port ${was.node.port} -> ${now.node.port}`);
  if (was.node.restPort !== now.node.restPort) parts.push(`REST port ${was.node.restPort} -> ${now.node.restPort}`);
  if (was.tls !== now.tls) parts.push(`TLS ${was.tls ? 'off' : 'on'}`);
  if (was.maintenance !== now.maintenance) parts.push(now.maintenance ? 'entered maintenance mode' : 'left maintenance mode');
  return parts.join(', ') || 'role config changed';
}
