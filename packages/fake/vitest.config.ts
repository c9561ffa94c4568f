import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'fake', include: ['test/**/*.test.ts'] },
});
