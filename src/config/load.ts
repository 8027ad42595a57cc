import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError } from '../errors.js';
import { validateConfig } from './validate.js';
import type { RouterConfig } from './schema.js';

/** Reads a YAML (or JSON, which is YAML) config file into a plain object, without validating it. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(path, [`cannot read the file: ${e.code ?? e.message}`]);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true });
  } catch (err) {
    const msg = err instanceof YAMLParseError ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(path, [`not valid YAML: ${msg}`]);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(path, ['(root): must be a mapping of options']);
  return doc as Record<string, unknown>;
}

/** Validates a raw config, throwing one ConfigError that lists every problem. */
export function toRouterConfig(raw: unknown, source: string): RouterConfig {
  const result = validateConfig(raw);
  if (!result.ok) throw new ConfigError(source, result.problems);
  return result.config;
}
