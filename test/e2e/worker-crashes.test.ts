// Invariant 4 for real: a tree of seven agents runs while the worker process is SIGKILLed five
// times at random moments and restarted. Every agent finishes in its own session, each has one
// check run and exactly one pull request, the run one tracking comment, every file the
// scripted model wrote is on the right branch, and each child's branch is merged into its
// parent's exactly once.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  agentNameOf,
  conversationOf,
  conversationsBegun,
  modelTurnsIn,
  resumedWithReport,
  spawn,
  waitForAll,
  workRequestsOf,
  writeFile,
} from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { git } from "../support/git-fixtures.ts";
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
  if (existsSync(`${context.hostCwd}/${file}`)) return { text: `${agentNameOf(context)} finished ${file}` };
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
  const ownWorkStarted = context.lastUserText.includes("slept") || existsSync(`${context.hostCwd}/${file}`);
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
      // Each worker gets some work done before it dies (a model call of one of its agents), however
      // slow the machine: then it is killed at a random moment of that work.
      const callsBefore = world.model.requests.length;
      await waitFor(() => world.model.requests.length > callsBefore, {
        timeoutMs: 120_000,
        what: `a model call by the worker before kill ${kill + 1}`,
      });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3_000));
      await worker.kill();
      worker = await world.startFlotilla({ role: "worker", dataDir, extraEnv: workerEnv });
    }

    const agents = await waitFor(
      async () => {
        const all = await world.store.listRunAgents(runId);
        return all.length === 7 && all.every((agent) => agent.state === "succeeded") ? all : undefined;
      },
      {
        timeoutMs: 300_000,
        intervalMs: 1_000,
        what: "all seven agents to succeed",
        describe: async () =>
          JSON.stringify(
            (await world.store.listRunAgents(runId)).map((a) => [a.name, a.state, a.currentStep, a.error]),
          ),
      },
    );

    // Exactly one check run per agent, completed; exactly one pull request per agent.
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
      // Every agent wrote a file: exactly one pull request each, but for a child whose parent
      // merged its work before its own pull request opened (GitHub refuses one without commits:
      // its work is in the parent's).
      const mergedFirst = async () => {
        const latest = await world.store.requireAgent(agent.id);
        return latest.closedAsMerged && latest.pullRequestNumber === undefined;
      };
      await waitFor(
        async () =>
          world.github.pullRequests(e2eOwner, e2eRepo).some((pull) => pull.head.ref === agent.branch) ||
          (await mergedFirst()) ||
          undefined,
        { what: `${agent.name}'s pull request` },
      );
      expect(
        world.github.pullRequests(e2eOwner, e2eRepo).filter((pull) => pull.head.ref === agent.branch),
      ).toHaveLength((await mergedFirst()) ? 0 : 1);
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
    // Every child's work came home to its parent once, however the kills fell: each parent's
    // branch has one merge commit per child, and the root's holds every agent's file.
    for (const parentAgent of agents.filter((agent) => agents.some((child) => child.parentId === agent.id))) {
      const merged = (
        await git(world.remote.bareDir, [
          "rev-list",
          "--merges",
          "--parents",
          `refs/heads/${parentAgent.branch}`,
        ])
      )
        .trim()
        .split("\n")
        .map((line) => line.split(" ").slice(2));
      const children = agents.filter((child) => child.parentId === parentAgent.id);
      for (const child of children)
        expect(
          merged.filter((parents) => parents.includes(child.pushedSha ?? "")),
          child.name,
        ).toHaveLength(1);
    }
    const root = agents.find((agent) => agent.parentId === undefined);
    for (const agent of agents.filter((candidate) => candidate.parentId !== undefined)) {
      const file = agent.name === "middle" ? "middle.md" : `${agent.name}.md`;
      expect(await world.remote.readFile(root?.branch ?? "", file)).toBe(`written by ${agent.name}\n`);
    }
    // Some agent was interrupted and resumed in its own session, not started over.
    const resumed = world.model.requests.filter((request) =>
      JSON.stringify(request.body.messages.at(-1)).includes("Flotilla had to restart you"),
    );
    expect(resumed.length).toBeGreaterThan(0);
    // One session per agent over its whole life, and the model read its prompt in one
    // conversation (after a restart the kept session is resumed with the restart message).
    for (const agent of agents) {
      const own = workRequestsOf(world.model.requests, agent.branch);
      expect(new Set(own.map((request) => request.sessionId))).toEqual(new Set([agent.sessionId]));
      // Its conversation starts from its prompt: no turn of the model came before its first
      // request (the CLI's own notes, such as an API error when its worker died, may).
      expect(modelTurnsIn(own[0]), `${agent.name}'s first request:\n${conversationOf(own[0])}`).toBe(0);
      expect(conversationsBegun(own), `${agent.name}'s conversations`).toBe(1);
    }
  }, 600_000);
});
