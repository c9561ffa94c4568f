import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'memcached', include: ['test/**/*.test.ts'] },
});
