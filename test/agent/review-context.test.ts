import { describe, expect, it } from "vitest";
import { reviewCommentContext } from "../../src/agent/review-context.ts";

describe("reviewCommentContext", () => {
  it("names the file and line and quotes the hunk as a diff", () => {
    const text = reviewCommentContext({ path: "src/login.ts", line: 3, diffHunk: "@@ -1,2 +1,3 @@\n a\n+b" });
    expect(text).toContain("review comment on `src/login.ts`, line 3.");
    expect(text).toContain("```diff\n@@ -1,2 +1,3 @@\n a\n+b\n```");
  });

  it("leaves the line out when the comment has none (a comment on a whole file)", () => {
    expect(reviewCommentContext({ path: "a.md", diffHunk: "@@ -1 +1 @@" })).toContain("on `a.md`. It refers");
  });

  it("keeps a hunk with backtick fences inside its own longer fence", () => {
    const text = reviewCommentContext({
      path: "README.md",
      line: 9,
      diffHunk: "@@ -1 +1 @@\n+````js\n+x\n+````",
    });
    expect(text).toContain("`````diff\n");
    expect(text.trimEnd().endsWith("\n`````")).toBe(true);
  });

  it("keeps the end of a very long hunk, where the commented line is", () => {
    const hunk = `@@ -1,9000 +1,9000 @@\n${"+filler\n".repeat(3_000)}+THE COMMENTED LINE`;
    const text = reviewCommentContext({ path: "big.txt", line: 9000, diffHunk: hunk });
    expect(text).toContain("+THE COMMENTED LINE\n```");
    expect(text).toContain("earlier lines of the hunk left out");
    expect(text.length).toBeLessThan(13_000);
  });
});
