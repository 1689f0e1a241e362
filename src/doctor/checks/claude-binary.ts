// The claude CLI every agent runs: it must start here and say its version.
import { runCommand } from "../../process/run-command.ts";
import type { Check } from "../check.ts";
import { workerRoles } from "../check.ts";

export const claudeBinaryCheck: Check = {
  name: "claude CLI",
  appliesTo: workerRoles,
  atStart: true,
  run: async ({ config }) => {
    try {
      const { stdout } = await runCommand(config.claudePath, ["--version"], {
        timeoutMs: 15_000,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" },
      });
      return { status: "ok", detail: `${stdout.trim()} (${config.claudePath})` };
    } catch (error) {
      return {
        status: "fail",
        detail: `CLAUDE_PATH=${config.claudePath} does not run: ${firstLine(error)}`,
        fix: "run npm ci (with optional dependencies: the CLI's native binary comes from one), or set CLAUDE_PATH to a claude binary",
      };
    }
  },
};

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
