import type { ConfigArgs } from './options.js';
import { resolveConfig } from './resolve-config.js';

/** Prints every problem with its path; exit code 1 when invalid, 0 when valid. */
export async function checkConfigCommand(args: ConfigArgs): Promise<number> {
  const { source, validation } = await resolveConfig(args);
  if (!validation.ok) {
    process.stderr.write(`${source}: ${validation.problems.length} problem(s)\n${validation.problems.map((p) => `  ${p}\n`).join('')}`);
    return 1;
  }
  const c = validation.config;
  process.stdout.write(
    `${source}: valid\n` +
      `  listeners: ${c.listeners.map((l) => `${l.host}:${l.port} (${l.transport})`).join(', ')}\n` +
      `  nodes (${c.nodeTransport}): ${c.nodes.map((n) => `${n.name}=${n.host}:${n.port}`).join(', ')}\n` +
      `  health check: ${c.health.kind}\n` +
      (c.rest ? `  REST: ${c.rest.host}:${c.rest.port} (${c.rest.tls ? 'https' : 'http'}) -> the active node's REST port\n` : ''),
  );
  for (const warning of validation.warnings) process.stderr.write(`${source}: warning: ${warning}\n`);
  return 0;
}
