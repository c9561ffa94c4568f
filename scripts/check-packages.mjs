#!/usr/bin/env node
// Runs publint and @arethetypeswrong/cli on every published package (packages/*),
// after `pnpm build`. Fails on any problem either tool reports.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packagesDir = join(root, 'packages');
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failures = 0;

for (const name of readdirSync(packagesDir).sort()) {
  const dir = join(packagesDir, name);
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.private) continue;
  if (!existsSync(join(dir, 'dist'))) {
    console.error(`✗ ${manifest.name}: no dist/ (run pnpm build)`);
    failures++;
    continue;
  }
  for (const [tool, args] of [
    ['publint', ['--strict']],
    ['attw', ['--pack', '.', '--format', 'ascii']],
  ]) {
    try {
      const out = execFileSync(bin(tool), args, {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      console.log(`✓ ${manifest.name}: ${tool}`);
      if (/warning|suggestion/i.test(out) && tool === 'publint') console.log(out.trim());
    } catch (error) {
      failures++;
      console.error(`✗ ${manifest.name}: ${tool}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
}

if (failures > 0) {
  console.error(`\n${failures} package check(s) failed`);
  process.exit(1);
}
console.log('\nall package checks passed');
