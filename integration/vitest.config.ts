import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'integration',
    include: ['test/**/*.test.ts'],
    // Starts unreachable backends in containers where a Docker engine exists.
    globalSetup: ['./src/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
