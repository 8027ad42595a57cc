import { readFileSync } from 'node:fs';

/**
 * The package's version, from its package.json: two folders up from the compiled file
 * (dist/src/version.js), one up from the source (src/version.ts) when tests run it directly.
 */
function readVersion(): string {
  for (const relative of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'livy-router' && pkg.version) return pkg.version;
    } catch {
      // Not there from this folder: try the next.
    }
  }
  return 'unknown';
}

export const VERSION = readVersion();
