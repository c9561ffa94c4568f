#!/usr/bin/env node
// The public API of every published package, as a checked report: the names each
// package's built entry point exports (with their kind), one file per package in
// api/. `node scripts/api-report.mjs` writes the reports; `--check` compares the
// built packages with the committed reports and fails on any difference, so that a
// change to a public surface is always a deliberate, reviewed one (CI runs --check
// through `pnpm check:packages`). Run after `pnpm build`.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const check = process.argv.includes('--check');
const reportsDir = join(root, 'api');
let failures = 0;

/** `name: kind` for every export of the declaration file `entry`, sorted. */
function exportsOf(entry) {
  const program = ts.createProgram([entry], { noEmit: true, skipLibCheck: true, types: [] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`no module symbol for ${entry}`);
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      return `${symbol.getName()}: ${kindOf(target.flags)}`;
    })
    .sort();
}

function kindOf(flags) {
  const F = ts.SymbolFlags;
  if (flags & F.Class) return 'class';
  if (flags & F.Function) return 'function';
  if (flags & F.Enum) return 'enum';
  if (flags & F.Interface) return 'interface';
  if (flags & F.TypeAlias) return 'type';
  if (flags & F.Variable) return 'const';
  return 'other';
}

if (!check) mkdirSync(reportsDir, { recursive: true });
for (const name of readdirSync(join(root, 'packages')).sort()) {
  const dir = join(root, 'packages', name);
  const manifestPath = join(dir, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.private) continue;
  const entry = join(dir, 'dist', 'index.d.ts');
  if (!existsSync(entry)) {
    console.error(`✗ ${manifest.name}: no dist/index.d.ts (run pnpm build)`);
    failures++;
    continue;
  }
  const report = `# ${manifest.name}: exported names (scripts/api-report.mjs)\n${exportsOf(entry).join('\n')}\n`;
  const file = join(reportsDir, `${name}.api.txt`);
  if (!check) {
    writeFileSync(file, report);
    continue;
  }
  const committed = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (committed === report) continue;
  failures++;
  const before = new Set(committed.split('\n').slice(1).filter(Boolean));
  const after = new Set(report.split('\n').slice(1).filter(Boolean));
  console.error(`✗ ${manifest.name}: public API differs from api/${name}.api.txt`);
  for (const line of after) if (!before.has(line)) console.error(`  + ${line}`);
  for (const line of before) if (!after.has(line)) console.error(`  - ${line}`);
}
if (check && failures > 0) {
  console.error('Public API changed: if intended, run `node scripts/api-report.mjs` and commit api/.');
  process.exit(1);
}
console.log(check ? '✓ public API matches api/' : `api reports written to ${reportsDir}`);
