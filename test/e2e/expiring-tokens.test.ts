// Installation tokens expire (after an hour on GitHub; here after a few seconds): an agent that
// runs longer than its first token lives still pushes its work and opens its pull request,
// because the worker asks for a token right before each authenticated git command and replaces
// one that is about to expire. No request, to the API or to git, ever carries a dead token.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { justWrote, writeFile } from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";

const tokenLifetimeMs = 6_000;
let world: E2eEnvironment;
let flotilla: RunningFlotilla;

beforeAll(async () => {
  world = await createE2eEnvironment("tokens", { installationTokenLifetimeMs: tokenLifetimeMs });
  world.model.script("outlive-token", (context) => {
    if (justWrote(context)) return { text: "Wrote LATE.md after my first token had expired." };
    if (context.step > 0) return writeFile(context, "LATE.md", "pushed with a fresh token\n");
    // Work until every token issued so far (the one the worker fetched with) has expired.
    const lastExpiry = Math.max(...world.github.issuedTokens().map((token) => Date.parse(token.expiresAt)));
    const seconds = Math.ceil((lastExpiry - Date.now()) / 1000) + 1;
    return {
      toolCalls: [{ name: "Bash", input: { command: `sleep ${seconds}`, description: "outlive the token" } }],
    };
  });
  flotilla = await world.startFlotilla();
});

afterAll(() => world?.cleanup());

describe("expiring installation tokens", () => {
  it("pushes and opens the pull request of an agent that outlives its first token", async () => {
    expect(
      (await world.comment(flotilla, "/agents run [[script:outlive-token]] work a long while")).status,
    ).toBe(200);
    const runId = await waitFor(async () => (await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7))[0], {
      what: "the run",
    });
    const agent = await waitFor(
      async () => {
        const [only] = await world.store.listRunAgents(runId);
        return only?.state === "succeeded" || only?.state === "failed" ? only : undefined;
      },
      { timeoutMs: 120_000, what: "the agent to end" },
    );
    expect(agent.error).toBeUndefined();
    expect(agent.state).toBe("succeeded");
    expect(await world.remote.readFile(agent.branch, "LATE.md")).toBe("pushed with a fresh token\n");
    await waitFor(
      () => world.github.pullRequests(e2eOwner, e2eRepo).find((pull) => pull.head.ref === agent.branch),
      {
        what: "the agent's pull request",
      },
    );

    // The agent outlived the token its workspace was fetched with...
    const tokens = new Map(world.github.issuedTokens().map((token) => [token.token, token]));
    const requests = world.gitServer.requests;
    const firstFetch = requests.find((entry) => entry.service === "git-upload-pack");
    const lastPush = world.gitServer.pushes().at(-1);
    const firstToken = tokens.get(firstFetch?.token ?? "");
    expect(firstToken).toBeDefined();
    expect(lastPush?.time).toBeGreaterThan(Date.parse(firstToken?.expiresAt ?? ""));
    // ...so it pushed with another one, and no git request or API call carried a dead token.
    expect(lastPush?.token).not.toBe(firstFetch?.token);
    expect(requests.filter((entry) => entry.refused !== undefined)).toEqual([]);
    for (const entry of requests) {
      expect(entry.time).toBeLessThan(Date.parse(tokens.get(entry.token ?? "")?.expiresAt ?? ""));
    }
    expect(world.github.requestLog.filter((entry) => entry.outcome === "unauthorized")).toEqual([]);
    expect(tokens.size).toBeGreaterThan(1);
  });
});
