import type net from 'node:net';
import type { RouterConfig } from './config/schema.js';
import { VERSION } from './version.js';

const hostPort = (a: net.AddressInfo): string => `${a.address}:${a.port}`;

export interface StartedParts {
  readonly config: RouterConfig;
  readonly listening: readonly net.AddressInfo[];
  readonly admin: net.AddressInfo | undefined;
  /** The REST listener's address and scheme; undefined without a `rest` block. */
  readonly rest: { address: net.AddressInfo; tls: boolean } | undefined;
  readonly active: string | undefined;
}

/** The one start-up banner: its JSON keys and its sentence (docs/operations.md, "Logs"). */
export function startedLine(p: StartedParts): [Record<string, unknown>, string] {
  const { config } = p;
  const listeners = p.listening.map((a, i) => `${hostPort(a)} (${config.listeners[i]!.transport})`);
  const nodes = config.nodes.map((n) => `${n.name}=${n.host}:${n.port}`);
  const admin = p.admin ? hostPort(p.admin) : 'off';
  const rest = p.rest ? `${p.rest.tls ? 'https' : 'http'}://${hostPort(p.rest.address)}` : 'off';
  const fields = { version: VERSION, nodejs: process.version, listeners, nodes, check: config.health.kind, admin, rest, active: p.active ?? null };
  const message =
    `livy-router ${VERSION} started: ${p.listening.map(hostPort).join(', ')} -> ${config.nodes.length} Livy node(s), ` +
    `${config.health.kind} checks, active node: ${p.active ?? 'none yet'}, admin: ${admin}${p.rest ? `, REST: ${rest}` : ''}`;
  return [fields, message];
}
