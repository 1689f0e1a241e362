// Budgets for real, through the model gateway: siblings cannot starve each other, a tree never
// spends more than its root was given (each call's worst case is reserved before it goes), and
// an agent out of budget is continued from its check run's button in the same session, under a
// new check run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { justWrote, resumedWithReport, spawn, waitForAll, writeFile } from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import type { ModelTurn, ScriptContext } from "../support/scripted-model.ts";
import { waitFor } from "../support/wait-for.ts";

const burnInputTokens = 8_000;
const burnOutputTokens = 100;
const oneCall = burnInputTokens + burnOutputTokens;

let world: E2eEnvironment;
let flotilla: RunningFlotilla;

function burn(context: ScriptContext): ModelTurn {
  if (context.lastUserText.includes("Flotilla gave you"))
    return { text: "Finished after getting more budget." };
  return {
    toolCalls: [
      { name: "Bash", input: { command: `echo burn >> ${context.cwd}/burn.log`, description: "burn" } },
    ],
    inputTokens: burnInputTokens,
    outputTokens: burnOutputTokens,
  };
}

beforeAll(async () => {
  world = await createE2eEnvironment("budgets");
  world.model
    .script("starve-root", (context) => {
      if (resumedWithReport(context)) return { text: "Root done." };
      if (context.step === 0) {
        return spawn([
          ...[1, 2, 3, 4].map((n) => ({
            name: `sib-${n}`,
            task: "[[script:starve-ok]] do a small job",
            budget_tokens: 30_000,
          })),
          { name: "burner", task: "[[script:burner]] spend without end", budget_tokens: 30_000 },
        ]);
      }
      return waitForAll;
    })
    .script("starve-ok", (context) =>
      context.step === 0 ? writeFile(context, "ok.md", "ok\n") : { text: "ok" },
    )
    .script("burner", burn)
    .script("carve-root", (context) => {
      if (resumedWithReport(context)) return writeFile(context, "root.md", "done\n");
      if (justWrote(context)) return { text: "Root done." };
      if (context.step === 0)
        return spawn([{ name: "big-1", task: "[[script:burner]] spend", budget_tokens: 6_000 }]);
      if (context.step === 1)
        return spawn([{ name: "big-2", task: "[[script:burner]] spend", budget_tokens: 6_000 }]);
      return waitForAll;
    });
  flotilla = await world.startFlotilla({ extraEnv: { WORKER_CONCURRENCY: "3" } });
});

afterAll(() => world?.cleanup());

async function agentsOfNewRun(body: string, count: number, settled: (states: string[]) => boolean) {
  const before = await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7);
  expect((await world.comment(flotilla, body)).status).toBe(200);
  const runId = await waitFor(
    async () => (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7)).find((id) => !before.includes(id)),
    { what: "the new run" },
  );
  return waitFor(
    async () => {
      const agents = await world.store.listRunAgents(runId);
      return agents.length === count && settled(agents.map((agent) => agent.state)) ? agents : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 500, what: `the ${count} agents to settle` },
  );
}

describe("budgets", () => {
  it("stops a sibling that burns tokens before its budget runs out while the others finish, then continues it from its check run", async () => {
    const agents = await agentsOfNewRun(
      "/agents run --budget 1m [[script:starve-root]] five jobs",
      6,
      (states) => states.every((state) => ["succeeded", "out_of_budget", "failed"].includes(state)),
    );
    const burner = agents.find((agent) => agent.name === "burner");
    expect(burner?.state).toBe("out_of_budget");
    // It spent what fit, and no more: another call would not have.
    expect(burner?.spentTokens).toBeLessThanOrEqual(30_000);
    expect(burner?.spentTokens).toBeGreaterThan(30_000 - oneCall);
    for (const sibling of agents.filter((agent) => agent.name.startsWith("sib-"))) {
      expect(sibling.state).toBe("succeeded");
      await waitFor(
        () => world.github.pullRequests(e2eOwner, e2eRepo).find((pull) => pull.head.ref === sibling.branch),
        {
          what: `${sibling.name}'s pull request`,
        },
      );
    }
    // Its work so far is on its branch; its check run asks for more budget.
    expect(await world.remote.readFile(burner?.branch ?? "", "burn.log")).toContain("burn");
    const checkRun = await waitFor(
      () =>
        world.github
          .checkRuns(e2eOwner, e2eRepo)
          .find((run) => run.external_id === burner?.id && run.conclusion === "action_required"),
      { what: "the burner's check run to ask for action" },
    );
    expect(checkRun.output.title).toMatch(/^Out of budget: spent/);
    expect(
      world.github
        .checkRunHistory(checkRun.id)
        .at(-1)
        ?.actions.map((action) => action.identifier),
    ).toContain("continue");

    // Continue, from the button: same session, earlier history, more budget taken from the root.
    const requestsBefore = world.model
      .requestsFor("burner")
      .filter((r) => r.sessionId === burner?.sessionId).length;
    const status = await world.clickCheckRunButton(flotilla, {
      checkRunId: checkRun.id,
      agentId: burner?.id ?? "",
      identifier: "continue",
      headSha: checkRun.head_sha,
    });
    expect(status).toBe(200);
    const continued = await waitFor(
      async () => {
        const agent = await world.store.getAgent(burner?.id ?? "");
        return agent?.state === "succeeded" ? agent : undefined;
      },
      { timeoutMs: 60_000, what: "the burner to finish after continue" },
    );
    expect(continued.budgetTokens).toBe(45_000);
    const later = world.model.requestsFor("burner").filter((r) => r.sessionId === burner?.sessionId);
    expect(later.length).toBeGreaterThan(requestsBefore);
    const last = JSON.stringify(later.at(-1)?.body.messages);
    expect(last).toContain("echo burn");
    expect(last).toContain("Flotilla gave you 15000 more tokens");

    // The continued agent ran under a new check run, in progress then final; the one that
    // asked for action keeps its outcome (a completed check run is final on GitHub).
    const newest = await waitFor(
      () =>
        world.github
          .checkRuns(e2eOwner, e2eRepo)
          .find(
            (run) => run.external_id === burner?.id && run.id !== checkRun.id && run.status === "completed",
          ),
      { what: "the continued burner's new check run to complete" },
    );
    expect(newest.name).toBe(checkRun.name);
    expect(newest.conclusion).toBe("success");
    const states = world.github.checkRunHistory(newest.id).map((event) => event.checkRun.status);
    expect(states.indexOf("in_progress")).toBeGreaterThanOrEqual(0);
    expect(states.indexOf("in_progress")).toBeLessThan(states.indexOf("completed"));
    expect(world.github.checkRuns(e2eOwner, e2eRepo).find((run) => run.id === checkRun.id)).toMatchObject({
      status: "completed",
      conclusion: "action_required",
      output: { title: expect.stringMatching(/^Out of budget: spent/) },
    });
  });

  it("never lets a tree spend more than its root's budget, and shows refused spawns", async () => {
    const budget = 10_000;
    const agents = await agentsOfNewRun(
      `/agents run --budget ${budget} [[script:carve-root]] carve it up`,
      2,
      (states) => states.every((state) => ["succeeded", "out_of_budget", "failed"].includes(state)),
    );
    const spent = agents.reduce((sum, agent) => sum + agent.spentTokens, 0);
    expect(spent).toBeLessThanOrEqual(budget);
    const child = agents.find((agent) => agent.name === "big-1");
    expect(child?.budgetTokens).toBe(6_000);
    expect(child?.state).toBe("out_of_budget");
    const rootMessages = JSON.stringify(
      world.model.requestsFor("carve-root").map((request) => request.body.messages),
    );
    expect(rootMessages).toMatch(/Not spawned: .*6,000 tokens/);
    const tracking = await waitFor(
      () =>
        world.github
          .comments(e2eOwner, e2eRepo, 7)
          .find(
            (comment) =>
              comment.body?.includes(agents[0]?.runId ?? "?") && comment.body.includes("Refused spawns"),
          ),
      { what: "the tracking comment to show the refused spawn" },
    );
    expect(tracking.body).toMatch(/spawn refused — Not spawned: .*6,000 tokens/);
  });
});
