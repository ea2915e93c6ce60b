import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-build.ts', 'test/support/global-postgres.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests never reach Google: no metadata-server probing.
    env: { METADATA_SERVER_DETECTION: 'none', NODE_ENV: 'test' },
  },
});
