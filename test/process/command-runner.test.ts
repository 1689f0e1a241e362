// The worker's command runner: short commands run in a small process of their own and come back
// as if run here (output, stdin, failures with their exit code and output, timeouts). A runner
// that dies fails only the commands it held and is replaced for the next one; a runner whose
// worker dies ends too.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CommandRunner } from "../../src/process/command-runner.ts";
import {
  CommandFailedError,
  onSubprocessLaunch,
  runCommand,
  runSubprocessesIn,
} from "../../src/process/run-command.ts";
import { isAlive } from "../support/processes-under.ts";
import { waitFor } from "../support/wait-for.ts";

const runner = new CommandRunner();
afterAll(() => runner.close());
const options = {
  env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  timeoutMs: 10_000,
  maxBufferBytes: 1024 * 1024,
};

describe("CommandRunner", () => {
  it("runs a command in its own process and hands back its output, with stdin and cwd", async () => {
    const result = await runner.run("sh", ["-c", 'read line; echo "$line from $PWD"; echo $PPID >&2'], {
      ...options,
      cwd: "/tmp",
      input: "hello\n",
    });
    expect(result.stdout).toBe("hello from /tmp\n");
    // The shell's parent is the runner, not this process.
    expect(runner.pid).toBeDefined();
    expect(result.stderr).toBe(`${runner.pid}\n`);
  });

  it("fails as runCommand does: exit code, output and reason; and a timeout says so", async () => {
    const failed = await runner
      .run("sh", ["-c", "echo partial; echo broken >&2; exit 3"], options)
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(CommandFailedError);
    expect(failed).toMatchObject({
      exitCode: 3,
      stdout: "partial\n",
      stderr: "broken\n",
      reason: "exit 3",
      timedOut: false,
    });
    const slow = await runner
      .run("sleep", ["5"], { ...options, timeoutMs: 100 })
      .catch((error: unknown) => error);
    expect(slow).toMatchObject({ timedOut: true, reason: "timed out after 100 ms" });
    const missing = await runner.run("/no/such/program", [], options).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(CommandFailedError);
  });

  it("fails the commands a dying runner held, and starts a new runner for the next command", async () => {
    const first = runner.pid ?? 0;
    const held = runner.run("sleep", ["30"], options).catch((error: unknown) => error);
    await waitFor(async () => (await runner.run("true", [], options)) && true, {
      what: "the runner to answer",
    });
    process.kill(first, "SIGKILL");
    expect(String(await held)).toMatch(/the command runner process ended \(SIGKILL\)/);
    expect((await runner.run("echo", ["again"], options)).stdout).toBe("again\n");
    expect(runner.pid).not.toBe(first);
  });

  it("takes runCommand's short commands once installed, and counts them as forked by the runner", async () => {
    const forks: string[] = [];
    const stop = onSubprocessLaunch((program, forkedBy) => forks.push(`${program}:${forkedBy}`));
    runSubprocessesIn(runner);
    try {
      expect((await runCommand("echo", ["via the runner"])).stdout).toBe("via the runner\n");
    } finally {
      runSubprocessesIn(undefined);
      stop();
    }
    expect(forks).toEqual(["echo:command_runner"]);
  });

  it("ends when the process that started it is killed", async () => {
    const folder = await mkdtemp(join(tmpdir(), "flotilla-runner-"));
    try {
      const script = join(folder, "owner.ts");
      const runnerModule = new URL("../../src/process/command-runner.ts", import.meta.url).pathname;
      await writeFile(
        script,
        `import { CommandRunner } from ${JSON.stringify(runnerModule)};\n` +
          "const runner = new CommandRunner();\nrunner.start();\nconsole.log(runner.pid);\nsetInterval(() => {}, 1000);\n",
      );
      const owner = execFile(process.execPath, [script]);
      const runnerPid = await new Promise<number>((resolve) =>
        owner.stdout?.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim()))),
      );
      expect(isAlive(runnerPid)).toBe(true);
      owner.kill("SIGKILL");
      await waitFor(() => !isAlive(runnerPid) || undefined, { what: "the orphaned runner to end" });
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
