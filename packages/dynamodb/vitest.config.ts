import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'dynamodb',
    include: ['test/**/*.test.ts'],
    // The SDK warns once per process that Node 20 support ends in 2027; not news in a test log.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
