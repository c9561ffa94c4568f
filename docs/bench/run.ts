/**
 * Runs every `*.bench.ts` in this folder, one after another, each in its own Node
 * process (so one benchmark's JIT state and heap do not colour the next). Exits
 * non-zero only when a benchmark crashes; figures over target are reported, not failed.
 *
 * `pnpm bench` (root) → turbo → `tsx bench/run.ts` in docs. Pass name fragments to run a
 * subset: `tsx bench/run.ts memory`.
 *
 * @packageDocumentation
 */

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

if (benches.length === 0) {
  process.stderr.write(`no *.bench.ts matched ${filters.join(', ') || 'in this folder'}\n`);
  process.exit(1);
}

let failed = 0;
for (const file of benches) {
  process.stdout.write(`\n▶ ${file}\n`);
  // process.execArgv carries tsx's loader flags, so the child runs TypeScript too.
  // --expose-gc is harmless for benches that do not use it.
  const child = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', join(here, file)], {
    stdio: 'inherit',
    cwd: here,
  });
  if (child.status !== 0) {
    failed++;
    process.stderr.write(`✗ ${file} exited with ${child.status ?? child.signal}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
