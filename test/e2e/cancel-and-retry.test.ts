// Cancel and retry across processes: the web process receives the command (or the button),
// the agent runs in a separate worker process; cancel stops it within 5 s together with the
// long command its Bash tool started, keeps its work, and retry starts it again.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;
let web: RunningFlotilla;
let worker: RunningFlotilla;

async function sleepersRunning(): Promise<number> {
  let count = 0;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (cmdline.replaceAll("\0", " ").trim() === "sleep 600") count += 1;
  }
  return count;
}

beforeAll(async () => {
  world = await createE2eEnvironment("cancel");
  world.model.script("sleeper", (context) => {
    if (existsSync(`${context.cwd}/done.md`)) return { text: "Done after the retry." };
    if (existsSync(`${context.cwd}/started.md`)) {
      return context.step === 0
        ? writeFile(context, "done.md", "finished on retry\n")
        : {
            toolCalls: [
              { name: "Bash", input: { command: "sleep 600", timeout: 600_000, description: "long job" } },
            ],
          };
    }
    return writeFile(context, "started.md", "first attempt started\n");
  });
  web = await world.startFlotilla({ role: "web" });
  worker = await world.startFlotilla({ role: "worker", extraEnv: { WORKER_CONCURRENCY: "2" } });
});

afterAll(() => world?.cleanup());

describe("cancel and retry", () => {
  it("stops agents in another process within 5 s, with their long commands, and starts them again", async () => {
    expect(await sleepersRunning()).toBe(0);
    await world.comment(
      web,
      "/agents run\n- [[script:sleeper]] first long job\n- [[script:sleeper]] second long job",
    );
    const runId = await waitFor(async () => (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7))[0], {
      what: "the run",
    });
    await waitFor(async () => (await sleepersRunning()) === 2 || undefined, {
      timeoutMs: 60_000,
      what: "both agents to start `sleep 600`",
    });
    const [first, second] = await world.store.listRunAgents(runId);
    if (first === undefined || second === undefined) throw new Error("expected two agents");

    // Cancel one by comment, the other by its check run's Cancel button, both at once.
    const checkRun = await waitFor(
      () => world.github.checkRuns(e2eOwner, e2eRepo).find((run) => run.external_id === second.id),
      { what: "the second agent's check run" },
    );
    const cancelledAt = Date.now();
    const [byComment, byButton] = await Promise.all([
      world.comment(web, `/agents cancel ${first.name}`),
      world.clickCheckRunButton(web, {
        checkRunId: checkRun.id,
        agentId: second.id,
        identifier: "cancel",
        headSha: checkRun.head_sha,
      }),
    ]);
    expect(byComment.status).toBe(200);
    expect(byButton).toBe(200);
    // Stopped within 5 s: every process gone and the outcome recorded. Committing and pushing
    // what they left may take a moment longer.
    await waitFor(
      async () => {
        const stopped = (await world.store.listRunAgents(runId)).every(
          (agent) => agent.state === "cancelled" || agent.ending?.state === "cancelled",
        );
        return stopped && (await sleepersRunning()) === 0 ? true : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 50, what: "both agents and their `sleep 600` to stop within 5 s" },
    );
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    await waitFor(
      async () =>
        (await world.store.listRunAgents(runId)).every((agent) => agent.state === "cancelled") || undefined,
      { what: "both agents to end as cancelled" },
    );

    // Their work stays on their branches; their check runs say cancelled.
    for (const agent of [first, second]) {
      expect(await world.remote.readFile(agent.branch, "started.md")).toBe("first attempt started\n");
      await waitFor(
        () =>
          world.github
            .checkRuns(e2eOwner, e2eRepo)
            .find((run) => run.external_id === agent.id && run.conclusion === "cancelled"),
        { what: `${agent.name}'s check run to say cancelled` },
      );
    }

    // Retry: one by comment, one by button; same check runs, now successful.
    await world.comment(web, `/agents retry ${first.name}`);
    expect(
      await world.clickCheckRunButton(web, {
        checkRunId: checkRun.id,
        agentId: second.id,
        identifier: "retry",
        headSha: checkRun.head_sha,
      }),
    ).toBe(200);
    await waitFor(
      async () =>
        (await world.store.listRunAgents(runId)).every((agent) => agent.state === "succeeded")
          ? true
          : undefined,
      {
        timeoutMs: 60_000,
        what: "both agents to succeed after the retry",
        describe: async () =>
          JSON.stringify(
            (await world.store.listRunAgents(runId)).map((a) => [a.name, a.state, a.currentStep, a.error]),
          ),
      },
    );
    for (const agent of [first, second]) {
      expect(await world.remote.readFile(agent.branch, "done.md")).toBe("finished on retry\n");
      const runs = world.github.checkRuns(e2eOwner, e2eRepo).filter((run) => run.external_id === agent.id);
      expect(runs).toHaveLength(1);
      await waitFor(
        () =>
          world.github
            .checkRuns(e2eOwner, e2eRepo)
            .find((run) => run.id === runs[0]?.id && run.conclusion === "success"),
        {
          what: `${agent.name}'s check run to succeed`,
        },
      );
    }
    const replies = world.github.comments(e2eOwner, e2eRepo, 7).map((comment) => comment.body ?? "");
    expect(replies.some((body) => body.includes(`cancelling \`${first.name}\``))).toBe(true);
    expect(replies.some((body) => body.includes(`retrying \`${first.name}\``))).toBe(true);
    expect(worker.logs.some((line) => line.includes("agent stopped on cancel"))).toBe(true);
  });
});
