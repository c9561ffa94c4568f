// TypeDoc plugin: names each entry-point module after its package ("@cache/redis")
// instead of its path ("redis/src"). The packages are converted as one TypeScript program
// (entryPointStrategy "resolve", with `paths` mapping @cache/* to their sources), which is
// what lets a `Store` in @cache/redis link to @cache/core's page; TypeDoc's "packages"
// strategy would name modules by package but convert each package alone and leave those
// cross-package links unresolved.
import { dirname, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
    if (!reflection.kindOf(ReflectionKind.Module)) return;
    const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName;
    const name = file && packageNameOf(file);
    if (name) reflection.name = name;
    else app.logger.warn(`typedoc-package-names: no package.json above the module ${reflection.name}`);
  });
}

/** @param {string} file @returns {string | undefined} */
function packageNameOf(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')).name;
  }
  return undefined;
}
