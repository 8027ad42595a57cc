import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Copies the built CLI (dist/src, package.json) and its production dependencies into `dir`, so a
 * process running as another user (uid 65534) can start it whatever the checkout's permissions:
 * a clone inside a 0700 folder cannot be traversed by that user. Returns the copied CLI's path.
 */
export function copyCliTo(dir: string): string {
  cpSync(join(ROOT, 'dist/src'), join(dir, 'dist/src'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  for (const pkg of productionPackages()) {
    cpSync(join(ROOT, 'node_modules', pkg), join(dir, 'node_modules', pkg), { recursive: true });
  }
  return join(dir, 'dist/src/cli/main.js');
}

/** Top-level node_modules entries the package's `dependencies` need, transitively (nested ones travel with their parent). */
function productionPackages(): string[] {
  const found = new Set<string>();
  const visit = (dir: string): void => {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const name of Object.keys(pkg.dependencies ?? {})) {
      if (dir !== ROOT && existsSync(join(dir, 'node_modules', name))) {
        visit(join(dir, 'node_modules', name));
        continue;
      }
      if (found.has(name) || !existsSync(join(ROOT, 'node_modules', name))) continue;
      found.add(name);
      visit(join(ROOT, 'node_modules', name));
    }
  };
  visit(ROOT);
  return [...found];
}
