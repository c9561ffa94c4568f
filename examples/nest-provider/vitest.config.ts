import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'nest-provider',
    include: ['test/**/*.test.ts'],
    // One test runs the example (tsx compiles it on start).
    testTimeout: 15_000,
    hookTimeout: 15_000,
  },
});
