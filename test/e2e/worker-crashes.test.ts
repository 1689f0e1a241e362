// Invariant 4 for real: a tree of seven agents runs while the worker process is SIGKILLed five
// times at random moments and restarted. Every agent finishes in its own session, each has one
// check run and at most one pull request, the run one tracking comment, and every file the
// scripted model wrote is on the right branch.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentNameOf, resumedWithReport, spawn, waitForAll, writeFile } from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import type { ModelTurn, ScriptContext } from "../support/scripted-model.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;
let web: RunningFlotilla;

const workerEnv = {
  WORKER_CONCURRENCY: "2",
  WORKER_LOCK_DURATION_MS: "3000",
  WORKER_STALLED_INTERVAL_MS: "1500",
  CHECKPOINT_INTERVAL_SECONDS: "1",
};

/** A step that takes a while, so kills land mid-run, then the agent's own file, then the end. */
function slowWorker(context: ScriptContext, file: string): ModelTurn {
  if (existsSync(`${context.cwd}/${file}`)) return { text: `${agentNameOf(context)} finished ${file}` };
  if (!context.lastUserText.includes("slept")) {
    return {
      toolCalls: [
        { name: "Bash", input: { command: "sleep 1.5 && echo slept", description: "work a while" } },
      ],
      delayMs: 300,
    };
  }
  return writeFile(context, file, `written by ${agentNameOf(context)}\n`);
}

/** Parents (re)start their children by name — starting one twice returns the same child — then wait. */
function parent(context: ScriptContext, children: { name: string; task: string }[], file: string): ModelTurn {
  const ownWorkStarted = context.lastUserText.includes("slept") || existsSync(`${context.cwd}/${file}`);
  if (resumedWithReport(context) || ownWorkStarted) return slowWorker(context, file);
  if (
    context.lastUserText.includes("Started sub-agent") ||
    context.lastUserText.includes("already started")
  ) {
    return waitForAll;
  }
  return spawn(children);
}

beforeAll(async () => {
  world = await createE2eEnvironment("crashes");
  world.model
    .script("crash-root", (context) =>
      parent(
        context,
        [
          { name: "left", task: "[[script:crash-leaf]] left part" },
          { name: "middle", task: "[[script:crash-mid]] middle part" },
          { name: "right", task: "[[script:crash-leaf]] right part" },
        ],
        "root.md",
      ),
    )
    .script("crash-mid", (context) =>
      parent(
        context,
        [1, 2, 3].map((n) => ({ name: `middle-${n}`, task: "[[script:crash-leaf]] a piece of the middle" })),
        "middle.md",
      ),
    )
    .script("crash-leaf", (context) => slowWorker(context, `${agentNameOf(context)}.md`));
  web = await world.startFlotilla({ role: "web" });
});

afterAll(() => world?.cleanup());

describe("worker crashes", () => {
  it("finishes a tree of seven agents while the worker is SIGKILLed five times", async () => {
    let worker = await world.startFlotilla({ role: "worker", extraEnv: workerEnv });
    const dataDir = worker.dataDir;
    expect((await world.comment(web, "/agents run [[script:crash-root]] survive crashes")).status).toBe(200);
    const runId = await waitFor(async () => (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7))[0], {
      what: "the run",
    });

    for (let kill = 0; kill < 5; kill += 1) {
      await new Promise((resolve) => setTimeout(resolve, 2_000 + Math.random() * 4_000));
      await worker.kill();
      worker = await world.startFlotilla({ role: "worker", dataDir, extraEnv: workerEnv });
    }

    const agents = await waitFor(
      async () => {
        const all = await world.store.listRunAgents(runId);
        return all.length === 7 && all.every((agent) => agent.state === "succeeded") ? all : undefined;
      },
      {
        timeoutMs: 240_000,
        intervalMs: 1_000,
        what: "all seven agents to succeed",
        describe: async () =>
          JSON.stringify(
            (await world.store.listRunAgents(runId)).map((a) => [a.name, a.state, a.currentStep, a.error]),
          ),
      },
    );

    // Exactly one check run per agent, completed; at most one pull request per agent.
    await waitFor(
      () => {
        const runs = world.github.checkRuns(e2eOwner, e2eRepo);
        return (
          agents.every((agent) => runs.find((run) => run.external_id === agent.id)?.status === "completed") ||
          undefined
        );
      },
      { what: "every check run to complete" },
    );
    for (const agent of agents) {
      expect(
        world.github.checkRuns(e2eOwner, e2eRepo).filter((run) => run.external_id === agent.id),
      ).toHaveLength(1);
      expect(
        world.github.pullRequests(e2eOwner, e2eRepo).filter((pull) => pull.head.ref === agent.branch).length,
      ).toBeLessThanOrEqual(1);
    }
    expect(
      world.github
        .comments(e2eOwner, e2eRepo, 7)
        .filter((comment) => comment.body?.includes(`flotilla:run:${runId}`)),
    ).toHaveLength(1);

    // Every file is on its agent's branch.
    for (const agent of agents) {
      const file =
        agent.parentId === undefined ? "root.md" : agent.name === "middle" ? "middle.md" : `${agent.name}.md`;
      expect(await world.remote.readFile(agent.branch, file)).toBe(`written by ${agent.name}\n`);
    }
    // Some agent was interrupted and resumed in its own session, not started over.
    const resumed = world.model.requests.filter((request) =>
      JSON.stringify(request.body.messages.at(-1)).includes("Flotilla had to restart you"),
    );
    expect(resumed.length).toBeGreaterThan(0);
    for (const request of resumed) {
      const agent = agents.find((candidate) => candidate.sessionId === request.sessionId);
      expect(agent).toBeDefined();
    }
  });
});
