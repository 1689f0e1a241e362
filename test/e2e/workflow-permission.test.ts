// app.yml asks for no `workflows` permission, so GitHub refuses a push from the app that changes
// `.github/workflows/*`. An agent whose work does gets a check run that says so (what GitHub
// refused, where the work is kept, what to grant), not a generic failure, and no pull request.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createE2eEnvironment,
  type E2eEnvironment,
  e2eOwner,
  e2ePullNumber,
  e2eRepo,
} from "../support/e2e-environment.ts";
import { refuseWorkflowPushes } from "../support/git-http/refuse-workflow-pushes.ts";
import { waitFor } from "../support/wait-for.ts";

const workflow = "name: ci\non: push\njobs: {}\n";
let world: E2eEnvironment;

beforeAll(async () => {
  world = await createE2eEnvironment("workflows");
  await refuseWorkflowPushes(world.remote.bareDir);
  world.model.script("add-workflow", ({ step, cwd }) =>
    step === 0
      ? {
          toolCalls: [
            { name: "Write", input: { file_path: `${cwd}/.github/workflows/ci.yml`, content: workflow } },
          ],
        }
      : { text: "Added a CI workflow." },
  );
});
afterAll(() => world.cleanup());

describe("a push GitHub refuses for want of the workflows permission", () => {
  it("fails the agent with a check run that says what to grant, and keeps its work", async () => {
    const flotilla = await world.startFlotilla();
    const sent = await world.comment(flotilla, "/agents run [[script:add-workflow]] add a CI workflow");
    expect(sent.status).toBe(200);
    const checkRun = await waitFor(
      () => world.github.checkRuns(e2eOwner, e2eRepo).find((run) => run.status === "completed"),
      { timeoutMs: 120_000, what: "the agent's check run to complete" },
    );
    expect(checkRun.conclusion).toBe("failure");
    const summary = `${checkRun.output.title}\n${checkRun.output.summary}`;
    expect(summary).toContain(
      "GitHub refused to push this agent's work: it changes `.github/workflows/ci.yml`",
    );
    expect(summary).toContain("has no `workflows` permission");
    expect(summary).toContain('grants it "Workflows: Read and write"');
    // The work is on the worker, committed in the worktree the check run names.
    const worktree = /in the agent's worktree (\S+) on the worker host/.exec(summary)?.[1] ?? "";
    expect(existsSync(join(worktree, ".git"))).toBe(true);
    expect(await readFile(join(worktree, ".github", "workflows", "ci.yml"), "utf8")).toBe(workflow);
    // Nothing was pushed, and no pull request was opened.
    expect(world.github.pullRequests(e2eOwner, e2eRepo).map((pull) => pull.number)).toEqual([e2ePullNumber]);
    expect((await world.remote.branches()).filter((branch) => branch.startsWith("agents/"))).toEqual([]);
    await flotilla.stop();
  });
});
