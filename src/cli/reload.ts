import type { Logger } from '../log.js';
import type { RouterConfig } from '../config/schema.js';
import type { Service } from '../service.js';
import type { ConfigArgs } from './options.js';
import { resolveConfig } from './resolve-config.js';

export interface ReloadPlan {
  added: string[];
  removed: string[];
  changed: string[];
  /** Settings that only a restart applies; the rest of the reload still happens. */
  needRestart: string[];
}

const nodeKey = (n: RouterConfig['nodes'][number]) => JSON.stringify(n);

export function planReload(from: RouterConfig, to: RouterConfig): ReloadPlan {
  const before = new Map(from.nodes.map((n) => [n.name, n]));
  const after = new Map(to.nodes.map((n) => [n.name, n]));
  const needRestart: string[] = [];
  if (JSON.stringify(from.listeners) !== JSON.stringify(to.listeners)) needRestart.push('listeners');
  if (from.log.pretty !== to.log.pretty) needRestart.push('log.pretty');
  if (from.log.flushMs !== to.log.flushMs) needRestart.push('log.flushMs');
  return {
    added: [...after.keys()].filter((n) => !before.has(n)),
    removed: [...before.keys()].filter((n) => !after.has(n)),
    changed: [...after.values()].filter((n) => before.has(n.name) && nodeKey(before.get(n.name)!) !== nodeKey(n)).map((n) => n.name),
    needRestart,
  };
}

/**
 * SIGHUP: read the config file again with the same command-line flags. An invalid result keeps
 * the running config and logs every problem; a valid one is applied without touching established
 * connections (a removed node's connections follow onActiveLost). Returns whether it applied.
 */
export async function reloadConfig(args: ConfigArgs, service: Service, log: Logger): Promise<boolean> {
  const { source, validation } = await resolveConfig(args);
  if (!validation.ok) {
    log.error(
      { source, problems: validation.problems },
      `reload refused: ${validation.problems.length} problem(s) in ${source}; keeping the running configuration: ${validation.problems.join('; ')}`,
    );
    return false;
  }
  for (const warning of validation.warnings) log.warn({ source }, warning);
  // With clouderaManager the file lists no nodes: compare with the list the router keeps running.
  const plan = planReload(service.config, { ...validation.config, nodes: service.nodeList.nodesFor(validation.config) });
  try {
    await service.reconfigure(validation.config);
  } catch (err) {
    log.error({ err, source }, 'reload refused: keeping the running configuration');
    return false;
  }
  if (plan.needRestart.length) {
    log.warn({ settings: plan.needRestart }, `reload: ${plan.needRestart.join(', ')} changed; they apply at the next restart`);
  }
  log.info(
    { source, added: plan.added, removed: plan.removed, changed: plan.changed, nodes: service.config.nodes.map((n) => n.name) },
    'configuration reloaded',
  );
  return true;
}
