// `./flotilla doctor [all|web|worker]` (or `npm run doctor`): checks whether this machine and
// these settings (environment and .env) can run Flotilla, and prints one table with a fix for
// every problem. Exits 1 when a check fails (a process would refuse to start), else 0.
import type { AppCredentials } from "./config/app-credentials.ts";
import { readAppCredentials } from "./config/app-credentials.ts";
import { ConfigError } from "./config/config-error.ts";
import { type FlotillaConfig, loadConfig } from "./config/env.ts";
import { loadEnvFile } from "./config/env-file.ts";
import { flotillaVersion } from "./config/version.ts";
import { doctorChecks } from "./doctor/all-checks.ts";
import { type CheckResult, runChecks } from "./doctor/check.ts";
import { formatTable } from "./doctor/format-results.ts";
import { PageLinks } from "./links/page-links.ts";
import { pageLinkKey } from "./links/page-signature.ts";

async function doctor(): Promise<number> {
  const envFile = loadEnvFile();
  const roleArgument = process.argv[2] ?? "all";
  const role = (["all", "web", "worker"] as const).find((name) => name === roleArgument);
  if (role === undefined) {
    console.error(`usage: ./flotilla doctor [all|web|worker] (got "${roleArgument}")`);
    return 2;
  }
  console.info(
    `Flotilla ${flotillaVersion} doctor, for a process of role ${role}; settings from the environment${envFile === undefined ? " (no .env here)" : ` and ${envFile}`}`,
  );
  const settings = readSettings();
  if ("problem" in settings) {
    console.info(formatTable([settings.problem]));
    console.info("Fix the settings first: the other checks need them.");
    return 1;
  }
  const results = await runChecks(doctorChecks(role), { role, ...settings, env: process.env });
  console.info(formatTable(results));
  const statusLink = operatorStatusLink(settings.config);
  if (statusLink !== undefined)
    console.info(`Status page with the recent runs (signed for you; keep it private): ${statusLink}`);
  const failed = results.filter((result) => result.status === "fail").length;
  const warned = results.filter((result) => result.status === "warn").length;
  console.info(
    failed > 0
      ? `${failed} failed${warned > 0 ? `, ${warned} with warnings` : ""}: ./flotilla start would refuse to start.`
      : warned > 0
        ? `Ready to start, with ${warned} warning${warned === 1 ? "" : "s"}.`
        : "Everything Flotilla needs is here.",
  );
  return failed > 0 ? 1 : 0;
}

/** A signed link to `/` that lists the recent runs, when pages are on. */
function operatorStatusLink(config: FlotillaConfig): string | undefined {
  const key = pageLinkKey(config);
  return key === undefined
    ? undefined
    : new PageLinks({ publicUrl: config.publicUrl, key, ttlMs: config.linkTtlMs }).statusPage();
}

function readSettings():
  | { config: FlotillaConfig; credentials: AppCredentials | undefined }
  | { problem: CheckResult } {
  try {
    return { config: loadConfig(process.env), credentials: readAppCredentials(process.env) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const [detail = "", fix] = error.message.split(/\. Fix: /);
    return {
      problem: {
        name: "settings",
        status: "fail",
        detail,
        fix: fix ?? "correct the variables named above (in the environment or .env; see .env.example)",
      },
    };
  }
}

doctor().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
