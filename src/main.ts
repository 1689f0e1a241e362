// Flotilla's entry point: `node src/main.ts [all|web|worker]`. Without GitHub App credentials
// (and not in production) it serves Probot's setup flow, which registers the app and writes
// them to .env. SIGTERM/SIGINT shut down cleanly: no new jobs, running agents handed back.
import { run } from "probot";
import { ConfigError } from "./config/env.ts";
import { type ProcessRole, startFlotilla } from "./start-flotilla.ts";

const roles: readonly ProcessRole[] = ["all", "web", "worker"];

async function main(): Promise<void> {
  const role = process.argv[2] ?? process.env.FLOTILLA_ROLE ?? "all";
  if (!(roles as readonly string[]).includes(role)) {
    throw new ConfigError(`Unknown role "${role}": run \`node src/main.ts all|web|worker\`.`);
  }
  const hasCredentials =
    Boolean(process.env.APP_ID) && Boolean(process.env.PRIVATE_KEY || process.env.PRIVATE_KEY_PATH);
  if (!hasCredentials && process.env.NODE_ENV !== "production" && role !== "worker") {
    console.info(
      "No GitHub App credentials yet: open the printed address to register Flotilla as a GitHub App.",
    );
    await run(() => undefined);
    return;
  }
  if (!hasCredentials) {
    throw new ConfigError(
      "APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) must be set: register the app first (`npm start` outside production runs the setup flow).",
    );
  }
  // Signals are handled from the start: a SIGTERM that arrives while Flotilla is still starting
  // stops it once it has started, instead of killing it halfway.
  let stopping = false;
  let started: ReturnType<typeof startFlotilla> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.info(`${signal} received: stopping Flotilla (running agents are handed back to the queue)`);
    const forceExit = setTimeout(() => process.exit(1), shutdownDeadlineMs());
    forceExit.unref();
    (started ?? Promise.reject(new Error("Flotilla was not started")))
      .then((flotilla) => flotilla.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error("Flotilla did not stop cleanly:", error);
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  started = startFlotilla(role as ProcessRole);
  await started;
  console.info(`Flotilla started (${role})`);
}

/** SHUTDOWN_GRACE_MS plus time for the web server and the reporter's last writes. */
function shutdownDeadlineMs(): number {
  const grace = Number(process.env.SHUTDOWN_GRACE_MS ?? 20_000);
  return (Number.isFinite(grace) && grace > 0 ? grace : 20_000) + 10_000;
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
