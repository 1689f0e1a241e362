// git: the worker keeps a mirror per repository and a worktree per agent, and passes credentials
// per command through GIT_CONFIG_COUNT/KEY/VALUE (git 2.31 and later).
import { runCommand } from "../../process/run-command.ts";
import type { Check } from "../check.ts";
import { workerRoles } from "../check.ts";

const minimum = [2, 31] as const;

export const gitVersionCheck: Check = {
  name: "git",
  appliesTo: workerRoles,
  atStart: true,
  run: async () => {
    let output: string;
    try {
      output = (await runCommand("git", ["--version"], { timeoutMs: 10_000 })).stdout.trim();
    } catch {
      return {
        status: "fail",
        detail: "git is not installed (not found on PATH)",
        fix: "install git (Debian/Ubuntu: apt-get install git; macOS: xcode-select --install)",
      };
    }
    const [major = 0, minor = 0] = (/(\d+)\.(\d+)/.exec(output) ?? []).slice(1).map(Number);
    if (major > minimum[0] || (major === minimum[0] && minor >= minimum[1]))
      return { status: "ok", detail: output };
    return {
      status: "fail",
      detail: `${output} is older than ${minimum.join(".")}`,
      fix: `install git ${minimum.join(".")} or newer`,
    };
  },
};
