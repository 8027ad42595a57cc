import type { RouterConfig } from './schema.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Settings that are valid but do not do what they say, reported beside a valid config (at warn by
 * `run` and a reload, on stderr by `check-config`). `input`: the file and flags as given, so a
 * default is never warned about.
 */
export function configWarnings(input: unknown, config: RouterConfig): string[] {
  const warnings: string[] = [];
  const handshake = isRecord(input) && isRecord(input.handshake) ? input.handshake : undefined;
  const { timeoutMs, deadlineMs } = config.handshake;
  if (handshake?.timeoutMs !== undefined && timeoutMs > deadlineMs) {
    warnings.push(
      `handshake.timeoutMs: ${timeoutMs} is longer than handshake.deadlineMs (${deadlineMs}), which caps a client's whole handshake ` +
        `from accept to commit: a node gets at most ${deadlineMs} ms; raise handshake.deadlineMs too`,
    );
  }
  return warnings;
}
