// Runs once before the suite: fails early, with the fix, when a real dependency is missing,
// and prepares what every test file would otherwise build for itself.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { Redis } from "ioredis";
import { githubOperations } from "./fake-github/openapi-operations.ts";
import { claudeBinaryPath } from "./paths.ts";
import { testRedisUrl } from "./test-redis.ts";

export default async function globalSetup(): Promise<void> {
  const redis = new Redis(testRedisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    throw new Error(
      `Tests need Redis at ${testRedisUrl}: start one with \`redis-server\`, or run ./flotilla test.`,
    );
  } finally {
    redis.disconnect();
  }
  if (!existsSync(claudeBinaryPath)) {
    throw new Error(
      `The claude CLI is missing at ${claudeBinaryPath}: run \`npm ci\` with optional dependencies.`,
    );
  }
  execFileSync("git", ["--version"]);
  // Builds the stand-in GitHub's cut-down OpenAPI index once, before test files race to.
  await githubOperations();
}
