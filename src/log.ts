import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export interface LogOptions {
  level: LevelWithSilent;
  pretty: boolean;
  /** Pretty only: ANSI colours. Default: only when stdout is a terminal (not a file or the journal). */
  colour?: boolean;
  /** JSON lines wait at most this long (or until 4 KiB wait) before one write; 0: a write per line. */
  flushMs?: number;
}

/** Lines are written once this many bytes wait, whatever flushMs says. */
const BATCH_BYTES = 4096;

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
  const base = { level: opts.level, base: { pid: process.pid } };
  if (!opts.flushMs) return pino(base);
  return pino(base, batchedStdout(opts.flushMs));
}

/**
 * Stdout written in batches: one write(2) per 4 KiB of lines or per `flushMs`, whichever comes
 * first, instead of one per line (issue 22: at info level the per-connection closing line's own
 * write was the largest single cost of a new connection). Written synchronously, so a batch is
 * never half-sent; what waits is written when the process exits (exit(), an uncaught exception).
 * A SIGKILL loses at most `flushMs` of lines.
 */
function batchedStdout(flushMs: number): pino.DestinationStream {
  const dest = pino.destination({ dest: 1, sync: true, minLength: BATCH_BYTES });
  let waiting = false;
  const timer = setInterval(() => {
    if (!waiting) return;
    waiting = false;
    dest.flush();
  }, flushMs);
  timer.unref();
  process.once('exit', () => dest.flushSync());
  return {
    write(line: string) {
      waiting = true;
      dest.write(line);
    },
  };
}

/** A logger that writes nothing: for library use and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
