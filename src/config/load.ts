import { readFile, stat } from 'node:fs/promises';
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
    const whose = e.code === 'EACCES' || e.code === 'EPERM' ? await permissionFacts(path) : '';
    throw new ConfigError(path, [`cannot read the file: ${e.code ?? e.message}${whose}`]);
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

/**
 * Who asked and what the file allows, so "permission denied" can be fixed without guessing
 * (in a container the process's uid/gid differ from the host's names for them).
 */
async function permissionFacts(path: string): Promise<string> {
  const me = process.getuid && process.getgid ? `uid ${process.getuid()} gid ${process.getgid()}${groups()}` : 'this user';
  try {
    const st = await stat(path);
    return ` (the process runs as ${me}; the file is mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}, owner uid ${st.uid} gid ${st.gid})`;
  } catch (err) {
    return ` (the process runs as ${me}; cannot stat the file either: ${(err as NodeJS.ErrnoException).code ?? String(err)})`;
  }
}

function groups(): string {
  const extra = process.getgroups?.().filter((g) => g !== process.getgid?.()) ?? [];
  return extra.length ? ` groups ${extra.join(',')}` : '';
}

/** Validates a raw config, throwing one ConfigError that lists every problem. */
export function toRouterConfig(raw: unknown, source: string): RouterConfig {
  const result = validateConfig(raw);
  if (!result.ok) throw new ConfigError(source, result.problems);
  return result.config;
}
