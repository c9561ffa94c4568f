// The published packages: every packages/* whose package.json is not private. TypeDoc's
// entry points and the site's "API" sidebar both come from this one list, so a new
// package appears in both without editing either.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = new URL('../../', import.meta.url).pathname;

/** @returns {{ dir: string, name: string, entry: string }[]} */
export function publicPackages() {
  const packagesDir = join(repoRoot, 'packages');
  return readdirSync(packagesDir)
    .sort()
    .flatMap((dir) => {
      const manifestPath = join(packagesDir, dir, 'package.json');
      if (!existsSync(manifestPath)) return [];
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      if (manifest.private) return [];
      return [{ dir, name: manifest.name, entry: join(packagesDir, dir, 'src/index.ts') }];
    });
}
