import type net from 'node:net';
import type { Logger } from './log.js';
import type { RouterConfig } from './config/schema.js';
import { VERSION } from './version.js';

/** The one start banner operators grep for (docs/operations.md, "Logs"): its keys are a contract. */
export function logStarted(
  log: Logger,
  config: RouterConfig,
  addresses: readonly net.AddressInfo[],
  active: string | undefined,
  adminAt: net.AddressInfo | undefined,
): void {
  const listeners = addresses.map((a, i) => `${a.address}:${a.port} (${config.listeners[i]!.transport})`);
  const nodes = config.nodes.map((n) => `${n.name}=${n.host}:${n.port}`);
  const admin = adminAt ? `${adminAt.address}:${adminAt.port}` : 'off';
  const fields = { version: VERSION, nodejs: process.version, listeners, nodes, check: config.health.kind, admin, active: active ?? null };
  log.info(
    fields,
    `livy-router ${VERSION} started: ${addresses.map((a) => `${a.address}:${a.port}`).join(', ')} -> ${config.nodes.length} Livy node(s), ` +
      `${config.health.kind} checks, active node: ${active ?? 'none yet'}, admin: ${admin}`,
  );
}
