import { defineConfig } from "vitest/config";

// End-to-end cases start real processes (claude, git, redis-server), so they get long timeouts
// and run in the same command as the unit tests.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 2,
    globalSetup: ["test/support/global-setup.ts"],
  },
});
