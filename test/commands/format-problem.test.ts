import { describe, expect, it } from "vitest";
import { formatProblemReply } from "../../src/commands/format-problem.ts";
import { usageFor } from "../../src/commands/help-text.ts";
import { parseComment } from "../../src/commands/parse-comment.ts";

function replyTo(body: string): string {
  const parsed = parseComment(body);
  if (parsed.kind !== "invalid") throw new Error(`expected a problem, got ${parsed.kind}`);
  return formatProblemReply(parsed.error);
}

/** Removes fenced blocks and code spans, leaving the markdown GitHub would render as text. */
function outsideCode(markdown: string): string {
  return markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?\n\1$/gm, "").replace(/(`+)[\s\S]*?\1/g, "");
}

describe("formatProblemReply", () => {
  it("says what is wrong, quotes what was written, shows the usage and points to help", () => {
    const reply = replyTo("/agents run --budget 0 fix it");
    expect(reply).toContain("`--budget` must be a number of tokens from 1 to 100M");
    expect(reply).toContain("```\n--budget 0\n```");
    expect(reply).toContain(usageFor("run"));
    expect(reply).toContain("`/agents help`");
  });

  it("keeps @-mentions, links and markup that the commenter wrote inside code", () => {
    for (const body of [
      "/agents rnu @octocat",
      "/agents run --model @octocat fix",
      "/agents cancel @org/team",
      "/agents run --`@octocat` fix",
      "/agents cancel ``@a` ``",
      "/agents retry **[x](https://evil.example)**",
      "/agents run --model ```@octocat``` go",
    ]) {
      const reply = replyTo(body);
      expect(outsideCode(reply), body).not.toMatch(/@octocat|@org|@a\b|evil\.example/);
    }
  });

  it("shows invisible characters in the quote instead of passing them on", () => {
    const reply = formatProblemReply({ problem: "p", quoted: "a\u202Eb\u200Bc", usage: "u" });
    expect(reply).toContain("a\\u{202E}b\\u{200B}c");
    expect(reply).not.toMatch(/[\u202E\u200B]/);
  });

  it("bounds a long quote", () => {
    const reply = formatProblemReply({ problem: "p", quoted: "x".repeat(10_000), usage: "u" });
    expect(reply.length).toBeLessThan(1000);
  });

  it("does not end a sentence twice", () => {
    expect(formatProblemReply({ problem: "did you mean it?", quoted: "", usage: "u" })).toContain(
      "did you mean it?\n",
    );
  });
});
