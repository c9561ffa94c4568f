import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'mysql', include: ['test/**/*.test.ts'] },
});
