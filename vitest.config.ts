import { defineConfig } from "vitest/config";

// One command runs everything. End-to-end cases start real processes (claude, git,
// redis-server, Flotilla itself) and get long timeouts; on 2 cores two files run at a time.
export default defineConfig({
  test: {
    pool: "forks",
    maxWorkers: 2,
    globalSetup: ["test/support/global-setup.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit and integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**"],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "end to end",
          include: ["test/e2e/**/*.test.ts"],
          testTimeout: 360_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
