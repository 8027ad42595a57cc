import { createLogger, type Logger } from '../log.js';
import { Service } from '../service.js';
import type { ConfigArgs } from './options.js';
import { reloadConfig } from './reload.js';
import { resolveConfig } from './resolve-config.js';
import { systemdNotifier } from './systemd-notify.js';
import { keepSystemdStatus, statusLine } from './systemd-status.js';

/** After 'stopped' the event loop must drain at once; this many ms later something was left open. */
const LEFTOVER_REPORT_MS = 2000;
/** SIGTERM ends the process within shutdownGraceMs plus this, whatever ZooKeeper, checks or clients do. */
const STOP_BOUND_MS = 10_000;

/**
 * A bug guard, never the normal exit: everything the service started is closed by stop(), so the
 * process exits by itself. If a handle survives, say which (tests fail on this line) and exit.
 */
function reportLeftovers(log: Logger): void {
  setTimeout(() => {
    log.error({ resources: process.getActiveResourcesInfo() }, 'handles left open after stop: exiting anyway');
    process.exit(process.exitCode ?? 0);
  }, LEFTOVER_REPORT_MS).unref();
}

function lastResort(log: Logger, graceMs: number): void {
  setTimeout(() => {
    log.error({ resources: process.getActiveResourcesInfo(), afterMs: graceMs + STOP_BOUND_MS }, 'stop did not finish: exiting anyway');
    process.exit(1);
  }, graceMs + STOP_BOUND_MS).unref();
}

/**
 * `livy-router run`: serve until SIGTERM/SIGINT, then drain and exit 0. SIGHUP reloads the
 * config file. Under systemd (Type=notify) READY=1 is sent once every listener and the admin
 * endpoint are bound. `env` is read here, at the edge, and nowhere deeper.
 */
export async function runCommand(args: ConfigArgs, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { source, validation } = await resolveConfig(args);
  if (!validation.ok) {
    process.stderr.write(`${source}: invalid configuration\n${validation.problems.map((p) => `  ${p}\n`).join('')}`);
    return 1;
  }
  const config = validation.config;
  const log = createLogger(config.log);
  // Signals that arrive while starting (the first health-check round can take a moment) are
  // kept and acted on once started: SIGHUP's default action would end the process.
  const early: NodeJS.Signals[] = [];
  const keep = (signal: NodeJS.Signals) => early.push(signal);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, keep);
  let service: Service;
  try {
    service = await Service.start(config, log);
  } catch (err) {
    log.fatal({ err }, `cannot start: ${(err as Error).message}`);
    return 1;
  } finally {
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(sig, keep);
  }
  const svc = service;
  const systemd = systemdNotifier(env.NOTIFY_SOCKET, log);
  let stopStatus = (): void => {};
  let stopping = false;
  let exit!: (code: number) => void;
  const exited = new Promise<number>((r) => (exit = r));

  // One reload at a time; a SIGHUP during a reload runs one more after it, with the newest file.
  let reloading: Promise<void> | undefined;
  let reloadAgain = false;
  const onHup = () => {
    if (stopping) return;
    if (reloading) {
      reloadAgain = true;
      return;
    }
    log.info({ source }, 'SIGHUP: reloading the configuration');
    reloading = (async () => {
      do {
        reloadAgain = false;
        const applied = await reloadConfig(args, svc, log);
        await systemd.notify({ STATUS: `${applied ? 'reloaded' : 'reload refused (see the journal)'}; ${statusLine(svc)}` });
      } while (reloadAgain && !stopping);
    })().finally(() => (reloading = undefined));
  };

  let stopped = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopped) return;
    if (stopping) {
      // A second signal means "now": the drain below then ends at once.
      log.warn({ signal, open: svc.openSessions() }, 'second signal: closing every connection now');
      svc.closeNow(`router shutting down (${signal} again)`);
      return;
    }
    stopping = true;
    stopStatus();
    const graceMs = svc.config.shutdownGraceMs;
    log.info({ signal, graceMs, open: svc.openSessions() }, 'shutting down: no new connections, draining established ones');
    void systemd
      .notify({ STOPPING: '1', STATUS: `draining up to ${graceMs} ms` })
      .then(() => svc.stop(graceMs))
      .then(() => reloading)
      .then(() => {
        // The handlers stay: a signal that arrives between here and the exit (systemd or a
        // supervisor repeating its SIGTERM) must not end the process with a signal status.
        // Signal handlers do not keep the event loop alive.
        stopped = true;
        log.info('stopped');
        reportLeftovers(log);
        exit(0);
      });
    lastResort(log, graceMs);
  };
  // Before READY: from then on systemd may send any of them.
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGHUP', onHup);
  for (const signal of early) {
    if (signal === 'SIGHUP') onHup();
    else shutdown(signal);
  }

  if (!stopping) {
    await systemd.notify({ READY: '1', STATUS: statusLine(svc) });
    if (env.NOTIFY_SOCKET && !stopping) stopStatus = keepSystemdStatus(svc, systemd);
  }
  return exited;
}
