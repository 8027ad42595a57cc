import { readCmSecrets } from '../node-list/cm-poller.js';
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
  const cm = c.clouderaManager;
  if (cm) {
    // The files the router reads at start: an unreadable one would stop it there.
    try {
      readCmSecrets(cm);
    } catch (err) {
      process.stderr.write(`${source}: 1 problem(s)\n  clouderaManager: ${(err as Error).message}\n`);
      return 1;
    }
  }
  const nodes = cm
    ? `from Cloudera Manager ${cm.url} (cluster ${cm.cluster ?? '(the only one)'}, service ${cm.service ?? '(the only Livy one)'}), every ${cm.pollIntervalMs} ms; try: livy-router discover --config ...`
    : c.nodes.map((n) => `${n.name}=${n.host}:${n.port}`).join(', ');
  process.stdout.write(
    `${source}: valid\n` +
      `  listeners: ${c.listeners.map((l) => `${l.host}:${l.port} (${l.transport})`).join(', ')}\n` +
      `  nodes (${c.nodeTransport}): ${nodes}\n` +
      `  health check: ${c.health.kind}\n` +
      (c.rest ? `  REST: ${c.rest.host}:${c.rest.port} (${c.rest.tls ? 'https' : 'http'}) -> the active node's REST port\n` : ''),
  );
  for (const warning of validation.warnings) process.stderr.write(`${source}: warning: ${warning}\n`);
  return 0;
}
