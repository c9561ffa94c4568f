import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'integration', 'examples/express', 'examples/fastify', 'examples/nest-provider'],
  },
});
