import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'fastify',
    include: ['test/**/*.test.ts'],
    // Each suite starts the example as a child process (tsx compiles it on start).
    testTimeout: 15_000,
    hookTimeout: 15_000,
  },
});
