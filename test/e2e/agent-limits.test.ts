// Per-agent turn and wall-clock limits for real: an agent that keeps calling tools stops at its
// turn limit (failure, saying so), one that runs too long is stopped as timed out, and an agent
// that changes nothing ends neutral, with its answer and no pull request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;
let flotilla: RunningFlotilla;
const sharedFlotillaSettings = { extraEnv: { WORKER_CONCURRENCY: "3" } };

beforeAll(async () => {
  world = await createE2eEnvironment("limits");
  world.model
    .script("loop", (context) => ({
      toolCalls: [{ name: "Bash", input: { command: `echo turn ${context.step}`, description: "loop" } }],
    }))
    .script("slowpoke", () => ({
      toolCalls: [
        { name: "Bash", input: { command: "sleep 120", timeout: 200_000, description: "take forever" } },
      ],
    }))
    .script("answer-only", () => ({ text: "Nothing needs changing: the code already does this." }));
  flotilla = await world.startFlotilla(sharedFlotillaSettings);
});

afterAll(() => world?.cleanup());

async function endedAgentOf(body: string, web: RunningFlotilla = flotilla) {
  const before = await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7);
  expect((await world.comment(web, body)).status).toBe(200);
  const runId = await waitFor(
    async () => (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7)).find((id) => !before.includes(id)),
    { what: "the new run" },
  );
  return waitFor(
    async () => {
      const [agent] = await world.store.listRunAgents(runId);
      return agent !== undefined && ["succeeded", "failed", "timed_out"].includes(agent.state)
        ? agent
        : undefined;
    },
    { timeoutMs: 90_000, what: "the agent to end" },
  );
}

async function finalCheckRun(agentId: string) {
  return waitFor(
    () =>
      world.github
        .checkRuns(e2eOwner, e2eRepo)
        .find((run) => run.external_id === agentId && run.status === "completed"),
    { what: "the agent's check run to complete" },
  );
}

describe("per-agent limits", () => {
  it("stops an agent at its turn limit, as a failure that says so", async () => {
    const agent = await endedAgentOf("/agents run --max-turns 3 [[script:loop]] loop forever");
    expect(agent.state).toBe("failed");
    expect(agent.error).toBe("reached the turn limit (3)");
    expect(
      world.model.requestsFor("loop").filter((request) => request.sessionId === agent.sessionId),
    ).toHaveLength(3);
    const checkRun = await finalCheckRun(agent.id);
    expect(checkRun.conclusion).toBe("failure");
    expect(checkRun.output.title).toContain("reached the turn limit (3)");
  });

  it("stops an agent that runs past its time limit, as timed out", async () => {
    // A process of its own, whose agents may run 12 s; the only one, since whichever process
    // consumes the delivery resolves the run's limits from its own settings.
    await flotilla.stop();
    const hurried = await world.startFlotilla({ extraEnv: { AGENT_TIMEOUT_MINUTES: "0.2" } });
    try {
      const agent = await endedAgentOf("/agents run [[script:slowpoke]] take your time", hurried);
      expect(agent.state).toBe("timed_out");
      expect((agent.endedAt ?? 0) - (agent.startedAt ?? 0)).toBeLessThan(60_000);
      const checkRun = await finalCheckRun(agent.id);
      expect(checkRun.conclusion).toBe("timed_out");
      expect(
        world.github
          .checkRunHistory(checkRun.id)
          .at(-1)
          ?.actions.map((action) => action.identifier),
      ).toContain("retry");
    } finally {
      // Its reporter writes the final check run: stop it only afterwards.
      await hurried.stop();
      flotilla = await world.startFlotilla(sharedFlotillaSettings);
    }
  });

  it("ends neutral with the agent's answer and no pull request when nothing changed", async () => {
    const agent = await endedAgentOf("/agents run [[script:answer-only]] check whether anything is needed");
    expect(agent.state).toBe("succeeded");
    expect(agent.hasChanges).toBe(false);
    const checkRun = await finalCheckRun(agent.id);
    expect(checkRun.conclusion).toBe("neutral");
    expect(checkRun.output.title).toBe("Done: no changes");
    expect(checkRun.output.text).toContain("Nothing needs changing");
    expect(
      world.github.pullRequests(e2eOwner, e2eRepo).filter((pull) => pull.head.ref === agent.branch),
    ).toHaveLength(0);
  });
});
