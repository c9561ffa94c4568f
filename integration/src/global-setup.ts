import type { TestProject } from 'vitest/node';
import { BACKENDS, type BackendName, probeBackend } from './backends.js';
import { startMissingBackends } from './containers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Addresses of backends this run started in containers (see containers.ts). */
    containerAddresses: Partial<Record<BackendName, string>>;
    /** Why a container could not stand in for an unreachable backend. */
    containerReasons: Partial<Record<BackendName, string>>;
  }
}

/** DynamoDB is served by dynalite, which its test files start in-process. */
const PROBED = (Object.keys(BACKENDS) as BackendName[]).filter((name) => name !== 'dynamodb');

/**
 * Runs once before the integration files: probes every backend and, for those that
 * do not answer, starts containers where a container engine exists. The test files
 * read the outcome through `inject` (see `backendAddress` and `describeBackend`).
 * Returns the teardown, which stops what was started.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const probes = await Promise.all(PROBED.map((name) => probeBackend(name, 1_000, {})));
  const missing = probes.filter((probe) => !probe.reachable);
  const started = await startMissingBackends(missing);
  for (const [name, address] of Object.entries(started.addresses)) {
    console.info(
      `[integration] ${name} unreachable at its configured address: started in a container at ${address}`,
    );
  }
  project.provide('containerAddresses', started.addresses);
  project.provide('containerReasons', started.reasons);
  return started.stop;
}
