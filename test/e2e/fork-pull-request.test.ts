// A pull request from a fork, when `.github/agents.yml` allows forks: the agent starts from the
// fork's head commit, fetched from the base repository's `refs/pull/<n>/head` (never from the
// fork), and its work is pushed only to a branch of the base repository, with its pull request
// against the fork's pull request's base branch.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { justWrote, writeFile as writeFileTurn } from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { git } from "../support/git-fixtures.ts";
import { waitFor } from "../support/wait-for.ts";

const forkPull = 9;
let world: E2eEnvironment;
let flotilla: RunningFlotilla;
let forkSha: string;

/** A commit that only the fork has, which GitHub exposes in the base repository as refs/pull/<n>/head. */
async function pushForkHead(bareDir: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), "flotilla-fork-"));
  try {
    await git(work, ["clone", "--quiet", bareDir, "clone"]);
    const clone = join(work, "clone");
    await writeFile(join(clone, "FORK.md"), "a change made in the fork\n");
    await git(clone, ["add", "FORK.md"]);
    await git(clone, ["commit", "--quiet", "-m", "Change from the fork"]);
    const sha = await git(clone, ["rev-parse", "HEAD"]);
    await git(clone, ["push", "--quiet", "origin", `${sha}:refs/heads/fork-objects`]);
    await git(bareDir, ["update-ref", `refs/pull/${forkPull}/head`, sha]);
    await git(bareDir, ["update-ref", "-d", "refs/heads/fork-objects"]);
    return sha;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  world = await createE2eEnvironment("forks");
  world.github.setFile(e2eOwner, e2eRepo, ".github/agents.yml", "access:\n  allow_forks: true\n");
  forkSha = await pushForkHead(world.remote.bareDir);
  await world.github.addPullRequest({
    owner: e2eOwner,
    repo: e2eRepo,
    number: forkPull,
    head: { ref: "fork-feature", sha: forkSha, owner: "someone-else", repo: "demo-fork" },
    base: { ref: "main" },
  });
  world.model.script("fork-fix", (context) =>
    justWrote(context)
      ? { text: "Polished the fork's change." }
      : writeFileTurn(context, "POLISH.md", "polished\n"),
  );
  // Both halves of the opt-in: the repository's agents.yml (above) and the operator's.
  flotilla = await world.startFlotilla({ extraEnv: { FLOTILLA_ALLOW_FORKS: "true" } });
});

afterAll(() => world?.cleanup());

describe("pull requests from forks, when allowed", () => {
  it("starts from the fork's head and pushes only to a branch of the base repository", async () => {
    const branchesBefore = await world.remote.branches();
    const { status } = await world.comment(flotilla, "/agents run [[script:fork-fix]] polish the change", {
      issueNumber: forkPull,
    });
    expect(status).toBe(200);

    const check = await waitFor(
      () => world.github.checkRuns(e2eOwner, e2eRepo).find((run) => run.status === "completed"),
      { timeoutMs: 90_000, what: "the agent's check run to complete" },
    );
    expect(check.conclusion).toBe("success");
    expect(check.head_sha).toBe(forkSha);

    const pull = await waitFor(
      () =>
        world.github
          .pullRequests(e2eOwner, e2eRepo)
          .find((candidate) => candidate.head.ref.startsWith("agents/")),
      { what: "the agent's pull request" },
    );
    expect(pull.base.ref).toBe("main");
    // The pull request says plainly that its branch holds fork code that ran with the secrets.
    await waitFor(() => (pull.body ?? "").includes("Fork code.") || undefined, { what: "the fork warning" });
    expect(pull.body).toContain(`fork pull request #${forkPull}`);
    expect(pull.body).toContain("have run it with this repository's secrets");
    expect(pull.head.repo?.full_name).toBe(`${e2eOwner}/${e2eRepo}`);
    const branch = pull.head.ref;
    expect(await git(world.remote.bareDir, ["rev-parse", `refs/heads/${branch}^`])).toBe(forkSha);
    expect(await world.remote.readFile(branch, "FORK.md")).toBe("a change made in the fork\n");
    expect(await world.remote.readFile(branch, "POLISH.md")).toBe("polished\n");
    // The only new branch is the agent's own; the fork's branch name was never pushed anywhere.
    expect((await world.remote.branches()).filter((name) => !branchesBefore.includes(name))).toEqual([
      branch,
    ]);
  });
});
