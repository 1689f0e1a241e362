// One check of whether this machine and these settings can run Flotilla: what `./flotilla doctor`
// prints as a row, and what `./flotilla start` refuses to start on when it fails. A check names
// what it found, and for anything not ok, what to do about it.
import { statfs } from "node:fs/promises";
import type { AppCredentials } from "../config/app-credentials.ts";
import type { FlotillaConfig } from "../config/env.ts";

type CheckStatus = "ok" | "warn" | "fail";

export interface CheckOutcome {
  status: CheckStatus;
  /** What was found, e.g. "v24.21.0" or "REDIS_URL=redis://db:6379 does not answer: …". */
  detail: string;
  /** What to do about it (for warn and fail). */
  fix?: string;
}

export interface CheckResult extends CheckOutcome {
  name: string;
}

export type ProcessRole = "all" | "web" | "worker";

export interface CheckContext {
  role: ProcessRole;
  config: FlotillaConfig;
  /** Undefined when no GitHub App is configured yet. */
  credentials: AppCredentials | undefined;
  env: NodeJS.ProcessEnv;
  /** What the checks read from this machine; tests hand in other readings (an old Node, a full disk). */
  machine?: Partial<MachineReadings>;
}

/** Readings of this machine that a test cannot change for real. */
export interface MachineReadings {
  /** `process.versions.node`. */
  nodeVersion: string;
  /** Bytes an unprivileged user may still write on the file system holding `path`. */
  freeBytes(path: string): Promise<number>;
}

const thisMachine: MachineReadings = {
  nodeVersion: process.versions.node,
  freeBytes: async (path) => {
    const space = await statfs(path);
    return space.bavail * space.bsize;
  },
};

/** The reading a check uses: the context's when given, else this machine's. */
export function machineOf(context: Pick<CheckContext, "machine">): MachineReadings {
  return { ...thisMachine, ...context.machine };
}

export interface Check {
  name: string;
  /** Whether a process of this role needs what the check checks. */
  appliesTo(role: ProcessRole): boolean;
  /** Also run by `./flotilla start` (cheap enough, and a failure means the process cannot work). */
  atStart: boolean;
  run(context: CheckContext): Promise<CheckOutcome>;
}

export const everyRole = (): boolean => true;
export const workerRoles = (role: ProcessRole): boolean => role !== "web";
export const webRoles = (role: ProcessRole): boolean => role !== "worker";

const checkTimeoutMs = 15_000;

/** Runs the checks side by side; a check that throws or hangs is a failure that says so. */
export async function runChecks(checks: readonly Check[], context: CheckContext): Promise<CheckResult[]> {
  return Promise.all(checks.map(async (check) => ({ name: check.name, ...(await runOne(check, context)) })));
}

async function runOne(check: Check, context: CheckContext): Promise<CheckOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          status: "fail",
          detail: `no answer within ${checkTimeoutMs / 1000} s`,
          fix: "run ./flotilla doctor again; if it keeps hanging, check this host's network and load",
        }),
      checkTimeoutMs,
    );
    timer.unref();
  });
  try {
    return await Promise.race([
      check.run(context).catch(
        (error: unknown): CheckOutcome => ({
          status: "fail",
          detail: `the check itself failed: ${error instanceof Error ? error.message : String(error)}`,
          fix: "report this as a Flotilla bug, with the output of ./flotilla doctor",
        }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
