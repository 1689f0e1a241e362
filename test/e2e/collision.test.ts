// Invariant 5 for real: four agents run in parallel on one repository and write different
// content to the same path; each works in its own worktree, and each pull request holds only
// its own content.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentNameOf } from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;

beforeAll(async () => {
  world = await createE2eEnvironment("collision");
  world.model.script("collide", (context) =>
    context.step === 0
      ? {
          // The Write tool will not overwrite a file the agent has not read; the shell will.
          toolCalls: [
            {
              name: "Bash",
              input: {
                command: `echo 'export const author = "${agentNameOf(context)}";' > src/login.ts`,
                description: "rewrite the file",
              },
            },
          ],
          delayMs: 200,
        }
      : { text: `${agentNameOf(context)} rewrote src/login.ts` },
  );
});

afterAll(() => world?.cleanup());

describe("parallel agents on one repository", () => {
  it("never share a directory: each pull request holds only its own version of the same file", async () => {
    const flotilla = await world.startFlotilla({ extraEnv: { WORKER_CONCURRENCY: "4" } });
    const tasks = ["alpha", "bravo", "charlie", "delta"].map(
      (name) => `- [[script:collide]] ${name} version`,
    );
    await world.comment(flotilla, `/agents run\n${tasks.join("\n")}`);
    const runId = await waitFor(async () => (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7))[0], {
      what: "the run",
    });
    const agents = await waitFor(
      async () => {
        const all = await world.store.listRunAgents(runId);
        return all.length === 4 && all.every((agent) => agent.state === "succeeded") ? all : undefined;
      },
      { timeoutMs: 90_000, what: "four agents to succeed" },
    );
    // They really ran at the same time.
    const overlapping = agents.filter((agent) =>
      agents.some(
        (other) =>
          other.id !== agent.id &&
          (other.startedAt ?? 0) < (agent.endedAt ?? 0) &&
          (agent.startedAt ?? 0) < (other.endedAt ?? 0),
      ),
    );
    expect(overlapping.length).toBeGreaterThanOrEqual(2);
    for (const agent of agents) {
      expect(await world.remote.readFile(agent.branch, "src/login.ts")).toBe(
        `export const author = "${agent.name}";\n`,
      );
      const pull = await waitFor(
        () =>
          world.github
            .pullRequests(e2eOwner, e2eRepo)
            .find((candidate) => candidate.head.ref === agent.branch),
        { what: `${agent.name}'s pull request` },
      );
      expect(pull.base.ref).toBe("feature/login");
    }
    expect(new Set(agents.map((agent) => agent.branch)).size).toBe(4);
    await flotilla.kill();
  });
});
