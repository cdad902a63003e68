import { configDefaults, defineConfig } from 'vitest/config';

/** Timed in the browser: run alone (`npm run test:ui-budgets`), not beside other test files. */
const ALONE = ['test/ui/budgets.test.ts'];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(process.env.MREG_TEST_ALONE ? [] : ALONE)],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most test time waits on servers in other processes (DynamoDB Local, Azurite, s3rver, Chromium,
    // python3); vitest's default on a 2-core CI machine is one worker, which leaves the cores idle.
    maxWorkers: 3,
  },
});
