// The worker's command runner also starts its agents' long-lived processes and stops them: the
// process is the runner's child (the fork is not on the worker's event loop), in a group of its
// own, its stdout appended to a file, its exit and stderr's end reported back; a stop kills its
// group and whatever carries the agent's markers, several stops at once each find their own; and
// a runner that dies reports its processes as lost, which the stop that follows still kills.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CommandRunner } from "../../src/process/command-runner.ts";
import {
  onSubprocessLaunch,
  runSubprocessesIn,
  startWritingTo,
  stopAgentProcesses,
} from "../../src/process/run-command.ts";
import { isAlive } from "../support/processes-under.ts";
import { waitFor } from "../support/wait-for.ts";

const runner = new CommandRunner();
const folder = await mkdtemp(join(tmpdir(), "flotilla-long-lived-"));
runSubprocessesIn(runner);
afterAll(async () => {
  runSubprocessesIn(undefined);
  await runner.close();
  await rm(folder, { recursive: true, force: true });
});

function parentOf(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/stat`, "utf8").then((stat) =>
    Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]),
  );
}

/** An agent's markers, as its processes carry them in their environment. */
function agentEnvironment(name: string) {
  const markers = { sessionId: `session-${name}`, claudeConfigDir: join(folder, name, ".claude") };
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    CLAUDE_CODE_SESSION_ID: markers.sessionId,
    CLAUDE_CONFIG_DIR: markers.claudeConfigDir,
  };
  return { markers, env };
}

describe("long-lived processes in the command runner", () => {
  it("starts one as the runner's child in a group of its own, output to a file, and reports its exit", async () => {
    runner.start();
    const forks: string[] = [];
    const stop = onSubprocessLaunch((program, forkedBy) => forks.push(`${program}:${forkedBy}`));
    const output = join(folder, "out.jsonl");
    const started = await startWritingTo(
      output,
      "sh",
      ["-c", 'echo "{\\"line\\":1}"; echo "$(ps -o pgid= -p $$)" >&2; echo last words >&2; exit 3'],
      { cwd: folder, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
    ).finally(stop);
    expect(forks).toEqual(["sh:command_runner"]);
    expect(started.pid).toBeDefined();
    const exit = await started.exited;
    expect(exit.exitCode).toBe(3);
    expect(exit.lost).toBeUndefined();
    // Its own process group: its pid is its group's id.
    expect(exit.stderrTail.trim().split("\n")).toEqual([String(started.pid), "last words"]);
    expect(await readFile(output, "utf8")).toBe('{"line":1}\n');
  });

  it("is the runner's child, and stops at once each kill their own agent's group and detached processes", async () => {
    const agents = ["one", "two", "three"].map(agentEnvironment);
    const started = await Promise.all(
      agents.map(({ env, markers }) =>
        startWritingTo(
          join(folder, `${markers.sessionId}.log`),
          "sh",
          ["-c", "setsid sleep 300 & echo up; sleep 300"],
          {
            cwd: folder,
            env,
          },
        ),
      ),
    );
    for (const [index, each] of started.entries()) {
      expect(await parentOf(each.pid ?? 0)).toBe(runner.pid);
      const log = join(folder, `${agents[index]?.markers.sessionId}.log`);
      await waitFor(async () => (await readFile(log, "utf8")).includes("up") || undefined, {
        what: "the detached sleep to be started",
      });
    }
    // The detached sleep is out of the group's reach; the markers find it.
    await Promise.all(
      agents.map(({ markers }, index) => stopAgentProcesses({ ...markers, group: started[index]?.pid })),
    );
    const exits = await Promise.all(started.map((each) => each.exited));
    expect(exits.map((exit) => exit.signal)).toEqual(["SIGKILL", "SIGKILL", "SIGKILL"]);
    for (const { markers } of agents) {
      await waitFor(async () => (await stopAgentProcesses(markers)) === 0 || undefined, {
        what: "nothing of the agent to be left",
      });
    }
  });

  it("reports a runner's death as lost, and the stop that follows kills the process it left", async () => {
    const agent = agentEnvironment("orphan");
    const started = await startWritingTo(join(folder, "orphan.log"), "sleep", ["300"], {
      cwd: folder,
      env: agent.env,
    });
    const pid = started.pid ?? 0;
    process.kill(runner.pid ?? 0, "SIGKILL");
    const exit = await started.exited;
    expect(exit.lost).toMatch(/the command runner process ended \(SIGKILL\)/);
    // Not a child of a sandbox that dies with the runner: it is still there until stopped.
    expect(isAlive(pid)).toBe(true);
    expect(await stopAgentProcesses({ ...agent.markers, group: pid })).toBeGreaterThanOrEqual(0);
    await waitFor(() => !isAlive(pid) || undefined, { what: "the orphaned process to be killed" });
  });
});
