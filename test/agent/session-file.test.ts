import { describe, expect, it } from "vitest";
import { sessionFilePath } from "../../src/agent/session-file.ts";

describe("session files", () => {
  it("are keyed by the cwd with every non-alphanumeric character as a dash", () => {
    expect(sessionFilePath("/data/a/home/.claude", "/data/worktrees/r1/fix-it", "abc")).toBe(
      "/data/a/home/.claude/projects/-data-worktrees-r1-fix-it/abc.jsonl",
    );
  });
});
