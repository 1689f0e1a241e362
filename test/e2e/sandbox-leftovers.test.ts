// In the sandbox, nothing an agent started outlives it, not even a command it detached with
// `env -i setsid` (no marker in its environment, no process group of the CLI's) and left running
// when it ended by itself. The worker no longer walks /proc for such leftovers after a sandboxed
// agent exits: bubblewrap's PID namespace ends with its first process, and the kernel kills the
// rest. This test is what that rests on. (cancel-without-sandbox.test.ts covers the same without
// a sandbox, where a subreaper's tree is killed instead.)
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { isRunning } from "../support/processes-under.ts";
import { waitFor } from "../support/wait-for.ts";

// A `sleep` no other process on the machine runs: its arguments find it from the host.
const detachedArgument = `987.${Number.parseInt(randomBytes(3).toString("hex"), 16)}`;
let world: E2eEnvironment;
let flotilla: RunningFlotilla;
/** The detached command's pid on the host, found while the agent still ran. */
let detachedPid: number | undefined;

/** Running (not zombie) host processes of `sleep <detachedArgument>`. */
function detachedOnHost(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, "utf8");
    } catch {
      continue; // Gone meanwhile.
    }
    if (commandLine === `sleep\0${detachedArgument}\0` && isRunning(Number(entry))) pids.push(Number(entry));
  }
  return pids;
}

beforeAll(async () => {
  world = await createE2eEnvironment("sandbox-leftovers");
  world.model.script("leaver", (context) => {
    if (context.step === 0)
      return {
        toolCalls: [
          {
            name: "Bash",
            input: {
              command: [
                `env -i /usr/bin/setsid /bin/sh -c 'exec sleep ${detachedArgument}' </dev/null >/dev/null 2>&1 &`,
                `until pgrep -fx 'sleep ${detachedArgument}' >/dev/null; do sleep 0.1; done`,
                "echo detached-running",
              ].join("\n"),
              description: "start a server and leave it",
            },
          },
        ],
      };
    // The agent has not ended yet: its detached command is running, seen from the host.
    if (context.lastUserText.includes("detached-running")) detachedPid = detachedOnHost()[0];
    return { text: "Started it and left." };
  });
  // The sandbox or nothing: a worker that cannot sandbox its agents fails to start.
  flotilla = await world.startFlotilla({ extraEnv: { AGENT_SANDBOX: "namespaces" } });
  expect(flotilla.logs.some((line) => line.includes("agent sandbox: bubblewrap"))).toBe(true);
});

afterAll(async () => {
  for (const pid of detachedOnHost()) process.kill(pid, "SIGKILL");
  await world?.cleanup();
});

describe("an agent in the sandbox that ends by itself", () => {
  it("leaves nothing running, not even what it detached with env -i setsid", async () => {
    expect((await world.comment(flotilla, "/agents run [[script:leaver]] start and leave")).status).toBe(200);
    await waitFor(
      () =>
        world.github
          .checkRuns(e2eOwner, e2eRepo)
          .find((run) => run.name.includes("leaver") && run.status === "completed"),
      { timeoutMs: 90_000, what: "the agent to end" },
    );
    // Its command was running before the agent ended (else this would test nothing).
    expect(detachedPid).toBeGreaterThan(0);
    await waitFor(() => (detachedOnHost().length === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: `the detached sleep ${detachedArgument} to die`,
    });
  });
});
