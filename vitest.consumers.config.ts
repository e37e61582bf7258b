// The consumer test (test/consumers): packs the packages and installs them into fresh projects, so it
// runs on its own (`pnpm test:consumers`, after `pnpm build`), not in the everyday suite.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/consumers/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 900_000,
  },
});
