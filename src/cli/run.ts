import { createLogger } from '../log.js';
import { startService } from '../service.js';
import type { ConfigArgs } from './options.js';
import { resolveConfig } from './resolve-config.js';

/** `livy-router run`: serve until SIGTERM/SIGINT, then drain and exit 0. */
export async function runCommand(args: ConfigArgs): Promise<number> {
  const { source, validation } = await resolveConfig(args);
  if (!validation.ok) {
    process.stderr.write(`${source}: invalid configuration\n${validation.problems.map((p) => `  ${p}\n`).join('')}`);
    return 1;
  }
  const config = validation.config;
  const log = createLogger(config.log);
  let service;
  try {
    service = await startService(config, log);
  } catch (err) {
    log.fatal({ err }, 'cannot start');
    return 1;
  }
  const svc = service;
  return new Promise<number>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', shutdown);
      process.off('SIGINT', shutdown);
      log.info({ signal, graceMs: config.shutdownGraceMs, open: svc.router.registry.count() }, 'shutting down');
      void svc.stop(config.shutdownGraceMs).then(() => {
        log.info('stopped');
        resolve(0);
      });
    };
    process.on('SIGTERM', shutdown);
    process.on('SIGINT', shutdown);
  });
}
