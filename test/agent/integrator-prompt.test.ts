// The one prompt an integrating root gets, only when a merge conflicted: who and where it is,
// what to resolve, and the report that names the conflicted files, after the repository's instructions.
import { describe, expect, it } from "vitest";
import { integratorPrompt } from "../../src/agent/integrator-prompt.ts";

describe("integratorPrompt", () => {
  it("asks to resolve the conflicts the report names, on the root's own branch", () => {
    const prompt = integratorPrompt({
      agentName: "issue-7",
      repositoryFullName: "octo/demo",
      worktree: "/work/tree",
      branch: "agents/r1/issue-7",
      requestedBy: "alice",
      requestUrl: "https://github.com/octo/demo/issues/7#issuecomment-1",
      issueNumber: 7,
      extraInstructions: "Run the linter.",
      task: "#7: the 2 tasks of its task list, in one pull request\n\n- write a\n- write b",
      report: "## b (id r1/b) succeeded\nMerge: CONFLICT … in these files of your worktree: x.md",
    });
    expect(
      prompt.startsWith(
        'You are "issue-7", a coding agent run by Flotilla on the GitHub repository octo/demo.',
      ),
    ).toBe(true);
    expect(prompt).toContain("a git worktree on branch `agents/r1/issue-7`");
    expect(prompt).toContain(
      "@alice asked (https://github.com/octo/demo/issues/7#issuecomment-1) for the tasks listed in issue #7",
    );
    expect(prompt).toContain("resolve every conflict the report names");
    expect(prompt.indexOf("Run the linter.")).toBeLessThan(prompt.indexOf("- write b"));
    expect(prompt.indexOf("- write b")).toBeLessThan(prompt.indexOf("Merge: CONFLICT"));
    expect(prompt.endsWith("in these files of your worktree: x.md")).toBe(true);
  });
});
