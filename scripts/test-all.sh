#!/usr/bin/env bash
# The repository's one test command (`pnpm test`, named in the README and run by CI):
# builds every package, makes the backends available, runs every vitest project
# (unit, contract, integration) and prints one summary line.
#
# Backends that cannot be reached are reported as skipped with the reason; with
# CACHE_REQUIRE_ALL=1 (CI) they fail instead.
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm build

if [ -x scripts/services.sh ] || [ -f scripts/services.sh ]; then
  # Starts memcached, a Redis Cluster and a Sentinel set where it can; never fatal here: the suites
  # themselves decide between skip and failure.
  bash scripts/services.sh start || echo "services.sh start reported a problem; unreachable backends will be reported by the suites"
fi

mkdir -p .test-results
set +e
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.test-results/vitest.json "$@"
status=$?
set -e

node -e '
  const fs = require("node:fs");
  const file = ".test-results/vitest.json";
  if (!fs.existsSync(file)) { console.log("Tests: 0 passed, 1 failed (no vitest report)"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
'
exit $status
