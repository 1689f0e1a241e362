// Flotilla's entry point: `node src/main.ts [all|web|worker]`. It reads `.env` first, then checks
// every setting before anything heavy loads, so a bad one is named at once (variable, problem,
// fix) and the process exits 1. Without GitHub App credentials (and not in production) it serves
// the setup flow, which registers the app and writes them to .env. SIGTERM/SIGINT shut down
// cleanly: no new jobs, running agents handed back; a stop that hangs is cut off after
// SHUTDOWN_GRACE_MS plus a few seconds.
import { readAppCredentials } from "./config/app-credentials.ts";
import { ConfigError } from "./config/config-error.ts";
import { type FlotillaConfig, loadConfig, opsPortFor } from "./config/env.ts";
import { loadEnvFile } from "./config/env-file.ts";
import type { CheckContext } from "./doctor/check.ts";
import { assertListenable } from "./ops/listen.ts";
import type { FlotillaProcess, ProcessRole } from "./start-flotilla.ts";

const roles: readonly ProcessRole[] = ["all", "web", "worker"];
/** After the grace period: the web server's and reporter's last writes. */
const stopMarginMs = 5_000;

async function main(): Promise<void> {
  loadEnvFile();
  const role = parseRole(process.argv[2] || process.env.FLOTILLA_ROLE || "all");
  const config = loadConfig(process.env);
  const credentials = readAppCredentials(process.env);
  if (credentials === undefined) {
    if (process.env.NODE_ENV === "production" || role === "worker")
      throw new ConfigError(
        "APP_ID and PRIVATE_KEY: not set. Fix: register the app first (`./flotilla start` outside production serves the setup flow, which writes them to .env), or set APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH).",
      );
    const { serveSetupFlow } = await import("./web/setup/serve-setup-flow.ts");
    const setup = await serveSetupFlow(config);
    onStopSignal(config, () => setup.stop());
    return;
  }
  // A busy port is named before anything starts.
  await assertListenable({
    port: opsPortFor(config, role),
    host: config.ops.host,
    portVariable: "OPS_PORT",
    hostVariable: "OPS_HOST",
  });
  if (role !== "worker")
    await assertListenable({
      port: config.port,
      host: config.host ?? "0.0.0.0",
      portVariable: "PORT",
      hostVariable: "HOST",
    });
  // Signals are handled from the start: a SIGTERM that arrives while Flotilla is still starting
  // stops it once it has started, instead of killing it halfway.
  let started: Promise<FlotillaProcess> | undefined;
  onStopSignal(config, async () => {
    if (started === undefined) return;
    await (await started).stop();
  });
  // Redis before the slow part of the start (loading Probot, the other checks, which spawn the
  // claude CLI): a Redis that refuses, a host that does not resolve or no redis-server is named
  // within a second. A host that stays silent is named after the probe's timeout (10 s), which a
  // slow but working Redis (TLS across regions, a loaded host) must not hit.
  // The start checks probe it once more, in the same words: one PING.
  await refuseWithoutRedis({ role, config, credentials, env: process.env });
  const { startFlotilla } = await import("./start-flotilla.ts");
  started = startFlotilla(role, { config, credentials, env: process.env });
  console.info((await started).startLine);
}

/** Loaded only now: a bad setting is named before ioredis and execa load. */
async function refuseWithoutRedis(context: CheckContext): Promise<void> {
  const [{ runChecks }, { redisCheck }, { formatRefusal }] = await Promise.all([
    import("./doctor/check.ts"),
    import("./doctor/checks/redis.ts"),
    import("./doctor/format-results.ts"),
  ]);
  const results = await runChecks([redisCheck], context);
  if (results.some((result) => result.status === "fail")) throw new ConfigError(formatRefusal(results));
}

function parseRole(role: string): ProcessRole {
  const known = roles.find((name) => name === role);
  if (known === undefined)
    throw new ConfigError(
      `FLOTILLA_ROLE (or the first argument): "${role}" is not a role. Fix: run \`node src/main.ts all|web|worker\`.`,
    );
  return known;
}

function onStopSignal(config: FlotillaConfig, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.info(`${signal} received: stopping Flotilla (running agents are handed back to the queue)`);
    const cutOff = setTimeout(() => {
      console.error(
        `Flotilla did not stop within SHUTDOWN_GRACE_MS (${config.shutdownGraceMs} ms) + ${stopMarginMs / 1000} s: exiting anyway (its agents resume elsewhere).`,
      );
      process.exit(1);
    }, config.shutdownGraceMs + stopMarginMs);
    cutOff.unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("Flotilla did not stop cleanly:", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
