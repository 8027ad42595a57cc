import { applyCliFlags } from '../config/cli-overrides.js';
import { readConfigFile } from '../config/load.js';
import { validateConfig, type Validation } from '../config/validate.js';
import { ConfigError } from '../errors.js';
import type { ConfigArgs } from './options.js';

/** The file (if any) plus the flags, validated together; every problem is reported. */
export async function resolveConfig(args: ConfigArgs): Promise<{ source: string; validation: Validation }> {
  const source = args.config ?? 'command line';
  let raw: Record<string, unknown> = {};
  if (args.config) {
    try {
      raw = await readConfigFile(args.config);
    } catch (err) {
      if (err instanceof ConfigError) return { source, validation: { ok: false, problems: [...err.problems] } };
      throw err;
    }
  }
  const { values, problems } = applyCliFlags(raw, args);
  const validation = validateConfig(values);
  if (problems.length) {
    return { source, validation: { ok: false, problems: [...problems, ...(validation.ok ? [] : validation.problems)] } };
  }
  return { source, validation };
}
