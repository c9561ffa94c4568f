import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'file', include: ['test/**/*.test.ts'] },
});
