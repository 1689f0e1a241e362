// `--stack`, for real: a task list on an issue becomes a chain of pull requests, one per item,
// each based on the previous item's branch, so that each one's diff is its own item; the top one
// fixes the issue and the root opens none. `--stack` where no list fans out is refused in words.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTerminal } from "../../src/store/records.ts";
import { agentNameOf, justWrote, writeFile } from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { git } from "../support/git-fixtures.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;
let flotilla: RunningFlotilla;
const issueNumber = 43;

beforeAll(async () => {
  world = await createE2eEnvironment("stack");
  world.github.addIssue({ owner: e2eOwner, repo: e2eRepo, number: issueNumber, title: "Three steps" });
  world.model.script("stack-item", (context) => {
    const name = agentNameOf(context);
    return justWrote(context)
      ? { text: `Wrote ${name}.md.` }
      : writeFile(context, `${name}.md`, `by ${name}\n`);
  });
  flotilla = await world.startFlotilla({ extraEnv: { WORKER_CONCURRENCY: "3" } });
});

afterAll(() => world?.cleanup());

/** The files a pull request's three-dot diff (what GitHub shows) holds, from the remote's branches. */
async function filesOfDiff(base: string, head: string): Promise<string[]> {
  const out = await git(world.remote.bareDir, ["diff", "--name-only", `${base}...${head}`]);
  return out.split("\n").filter((line) => line !== "");
}

describe("/agents run --stack on an issue", () => {
  it("opens a chain of pull requests, one per item, each on the previous, the top fixing the issue", async () => {
    const list = ["alpha", "bravo", "charlie"].map((item) => `- [ ] [[script:stack-item]] ${item}`);
    const { status } = await world.comment(flotilla, `/agents run --stack\n${list.join("\n")}`, {
      issueNumber,
      isPullRequest: false,
    });
    expect(status).toBe(200);
    const runId = await waitFor(
      async () => (await world.store.runIdsForIssue(e2eOwner, e2eRepo, issueNumber))[0],
      { what: "the run" },
    );
    const [root, ...children] = await waitFor(
      async () => {
        const all = await world.store.listRunAgents(runId);
        return all.length === 4 && all.every((agent) => isTerminal(agent.state)) ? all : undefined;
      },
      {
        timeoutMs: 120_000,
        intervalMs: 500,
        what: "the root and its 3 agents to end",
        describe: async () =>
          JSON.stringify((await world.store.listRunAgents(runId)).map((a) => [a.name, a.state, a.error])),
      },
    );
    expect([root?.role, root?.state]).toEqual(["integrator", "succeeded"]);
    expect(children.map((child) => child.state)).toEqual(["succeeded", "succeeded", "succeeded"]);

    const pulls = await waitFor(
      () => {
        const all = world.github.pullRequests(e2eOwner, e2eRepo);
        const chain = children.map((child) => all.find((pull) => pull.head.ref === child.branch));
        // The top one names the one below it once that one has a number.
        const named = chain[2]?.body?.includes(chain[1]?.html_url ?? "?") === true;
        return chain.every((pull) => pull !== undefined) && named ? chain : undefined;
      },
      { timeoutMs: 30_000, what: "the three stacked pull requests" },
    );
    // Chained base → head: main ← alpha ← bravo ← charlie, and the root opens none of its own.
    expect(pulls.map((pull) => [pull?.base.ref, pull?.head.ref])).toEqual([
      ["main", children[0]?.branch],
      [children[0]?.branch, children[1]?.branch],
      [children[1]?.branch, children[2]?.branch],
    ]);
    expect(world.github.pullRequests(e2eOwner, e2eRepo).some((pull) => pull.head.ref === root?.branch)).toBe(
      false,
    );
    // Each diff holds exactly its own item; the top branch is the root's, every item included.
    for (const [index, pull] of pulls.entries()) {
      expect(await filesOfDiff(pull?.base.ref ?? "", pull?.head.ref ?? "")).toEqual([
        `${children[index]?.name}.md`,
      ]);
    }
    // Each item's branch was moved onto the root's own history (not left on the item's commit).
    const rootHistory = await git(world.remote.bareDir, ["rev-list", "--first-parent", root?.branch ?? ""]);
    for (const child of children) expect(rootHistory).toContain(await world.remote.headSha(child.branch));
    expect(await world.remote.headSha(children[2]?.branch ?? "")).toBe(
      await world.remote.headSha(root?.branch ?? ""),
    );
    expect(pulls[2]?.body).toContain(`Fixes #${issueNumber} (3 of 3, stacked on ${pulls[1]?.html_url}`);
    expect(pulls[1]?.body).toContain(`Part of #${issueNumber} (2 of 3, stacked on ${pulls[0]?.html_url}`);
    expect(pulls[0]?.body).toContain(`Part of #${issueNumber} (1 of 3).`);
    for (const pull of pulls.slice(0, 2)) expect(pull?.body).not.toContain("Fixes #");
    for (const pull of pulls) expect(pull?.state).toBe("open");
    expect(world.github.violations()).toEqual([]);
    expect(world.github.unhandledRequests()).toEqual([]);
  });

  it("refuses --stack without a task list, saying what it needs", async () => {
    const before = world.github.comments(e2eOwner, e2eRepo, issueNumber).length;
    const { status } = await world.comment(flotilla, "/agents run --stack just one thing", {
      issueNumber,
      isPullRequest: false,
    });
    expect(status).toBe(200);
    const reply = await waitFor(
      () =>
        world.github
          .comments(e2eOwner, e2eRepo, issueNumber)
          .slice(before)
          .find((comment) => comment.body?.includes("`--stack` needs a task list of two or more items")),
      { timeoutMs: 20_000, what: "the refusal" },
    );
    expect(reply).toBeDefined();
  });
});
