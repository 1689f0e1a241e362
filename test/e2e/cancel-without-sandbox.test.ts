// Issue 11, point 2's escape: without a sandbox (AGENT_SANDBOX=off), a command an agent detaches
// with `env -i setsid` carries none of the markers the /proc scan looks for and is in no process
// group of the CLI's. Cancel must still end it: the CLI runs under a child subreaper (tini -s),
// so the detached command stays in its process tree, which a stop freezes and kills; and when the
// CLI ends by itself, what it detached is killed before the subreaper ends.
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { isRunning } from "../support/processes-under.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;
let flotilla: RunningFlotilla;
let markerDir: string;
const detachedPids: number[] = [];

beforeAll(async () => {
  markerDir = await mkdtemp(join(tmpdir(), "flotilla-detached-"));
  world = await createE2eEnvironment("detached");
  const detach = (name: string) =>
    `env -i /usr/bin/setsid /bin/sh -c 'echo $$ > ${markerDir}/${name}.tmp && mv ${markerDir}/${name}.tmp ${markerDir}/${name}; exec sleep 600' </dev/null >/dev/null 2>&1 &`;
  world.model.script("detacher", () => ({
    toolCalls: [
      {
        name: "Bash",
        input: {
          command: `${detach("cancelled")}\nsleep 600`,
          timeout: 600_000,
          description: "start a server",
        },
      },
    ],
  }));
  world.model.script("leaver", (context) =>
    context.step > 0
      ? { text: "Started it and left." }
      : {
          toolCalls: [
            {
              name: "Bash",
              input: {
                command: `${detach("left")}\nwhile [ ! -e ${markerDir}/left ]; do sleep 0.1; done`,
                description: "start and leave",
              },
            },
          ],
        },
  );
  flotilla = await world.startFlotilla({ extraEnv: { AGENT_SANDBOX: "off" } });
});

afterAll(async () => {
  for (const pid of detachedPids) if (isRunning(pid)) process.kill(pid, "SIGKILL");
  await world?.cleanup();
  await rm(markerDir, { recursive: true, force: true });
});

async function detachedPidIn(name: string): Promise<number> {
  const pidFile = join(markerDir, name);
  await waitFor(() => existsSync(pidFile) || undefined, {
    timeoutMs: 60_000,
    what: `the detached command (${pidFile})`,
    describe: async () => JSON.stringify(await readdir(markerDir)),
  });
  const pid = Number((await readFile(pidFile, "utf8")).trim());
  detachedPids.push(pid);
  expect(isRunning(pid)).toBe(true);
  return pid;
}

describe("cancel without a sandbox", () => {
  it("also kills what the agent detached with env -i setsid", async () => {
    expect((await world.comment(flotilla, "/agents run [[script:detacher]] start a server")).status).toBe(
      200,
    );
    const detachedPid = await detachedPidIn("cancelled");
    const runId = await waitFor(async () => (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7))[0], {
      what: "the run",
    });
    const [agent] = await world.store.listRunAgents(runId);
    if (agent === undefined) throw new Error("expected the agent");
    expect((await world.comment(flotilla, `/agents cancel ${agent.name}`)).status).toBe(200);
    await waitFor(
      async () => ((await world.store.requireAgent(agent.id)).state === "cancelled" ? true : undefined),
      { timeoutMs: 60_000, what: "the agent to end as cancelled" },
    );
    await waitFor(() => (isRunning(detachedPid) ? undefined : true), {
      timeoutMs: 30_000,
      what: "the detached command to die",
    });
  });

  it("kills what it detached when the agent ends by itself", async () => {
    expect((await world.comment(flotilla, "/agents run [[script:leaver]] start and leave")).status).toBe(200);
    const detachedPid = await detachedPidIn("left");
    await waitFor(
      () =>
        world.github
          .checkRuns(e2eOwner, e2eRepo)
          .find((run) => run.name.includes("leaver") && run.status === "completed"),
      { timeoutMs: 60_000, what: "the agent to end" },
    );
    await waitFor(() => (isRunning(detachedPid) ? undefined : true), {
      timeoutMs: 30_000,
      what: "the detached command to die",
    });
  });
});
