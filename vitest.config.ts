import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Stops every server and process a test started (test/helpers/registry.ts).
    setupFiles: ['test/setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests bind real sockets and some spawn the real process; keep the 2-core machine calm.
    fileParallelism: false,
    pool: 'forks',
  },
});
