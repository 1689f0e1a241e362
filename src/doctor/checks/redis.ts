// Redis: REDIS_URL must answer and must never evict keys (maxmemory-policy noeviction, as BullMQ
// requires): an evicted job, lock or run record is an agent lost or run twice, so any other policy
// refuses the start. Without REDIS_URL, redis-server must be installed for the embedded one.
import { redisAddress } from "../../config/redis-url.ts";
import { runCommand } from "../../process/run-command.ts";
import { probeRedis } from "../../redis/probe-redis.ts";
import type { Check, CheckOutcome } from "../check.ts";
import { everyRole } from "../check.ts";

export const redisCheck: Check = {
  name: "Redis",
  appliesTo: everyRole,
  atStart: true,
  run: async ({ config }) =>
    config.redisUrl === undefined ? embedded(config.dataDir) : external(config.redisUrl),
};

async function external(redisUrl: string): Promise<CheckOutcome> {
  const address = redisAddress(redisUrl);
  const probe = await probeRedis(redisUrl);
  if (!probe.ok)
    return {
      status: "fail",
      detail: `REDIS_URL=${address} does not answer: ${probe.problem}`,
      fix: isCertificateProblem(probe.problem)
        ? "a rediss:// server whose certificate a private CA signed: set NODE_EXTRA_CA_CERTS=/path/to/ca.pem for every Flotilla process"
        : "start Redis there, correct REDIS_URL (redis://[:password@]host:port), or unset it to run an embedded redis-server",
    };
  if (probe.maxmemoryPolicy !== undefined && probe.maxmemoryPolicy !== "noeviction")
    return {
      status: "fail",
      detail: `Redis ${probe.version} at ${address} has maxmemory-policy ${probe.maxmemoryPolicy}: when full it drops keys, and a dropped job, lock or run record is an agent lost or run twice`,
      fix: "set maxmemory-policy noeviction in that Redis (redis.conf, CONFIG SET, or the managed service's parameter group)",
    };
  return { status: "ok", detail: `Redis ${probe.version} at ${address}` };
}

async function embedded(dataDir: string): Promise<CheckOutcome> {
  try {
    const { stdout } = await runCommand("redis-server", ["--version"], { timeoutMs: 10_000 });
    const version = /v=(\S+)/.exec(stdout)?.[1] ?? stdout.trim();
    return {
      status: "ok",
      detail: `embedded redis-server ${version}, data under ${dataDir}/redis (REDIS_URL unset)`,
    };
  } catch {
    return {
      status: "fail",
      detail: "REDIS_URL is not set and redis-server is not installed",
      fix: "install Redis (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL=redis://host:6379",
    };
  }
}

function isCertificateProblem(problem: string): boolean {
  return /certificate|self[- ]signed|unable to verify/i.test(problem);
}
