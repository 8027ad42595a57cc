import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LogOptions {
  level: LevelWithSilent;
  pretty: boolean;
  /** Pretty only: ANSI colours. Default: only when stdout is a terminal (not a file or the journal). */
  colour?: boolean;
}

/** The process logger: JSON lines on stdout (pino-pretty when a person is watching). */
export function createLogger(opts: LogOptions): Logger {
  if (opts.pretty) {
    return pino({
      level: opts.level,
      transport: {
        target: 'pino-pretty',
        options: {
          colorize: opts.colour ?? process.stdout.isTTY === true,
          translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
          singleLine: true,
          ignore: 'pid,hostname',
        },
      },
    });
  }
  return pino({ level: opts.level, base: { pid: process.pid } });
}

/** A logger that writes nothing: for library use and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
