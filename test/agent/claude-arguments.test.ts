import { describe, expect, it } from "vitest";
import { buildClaudeArguments } from "../../src/agent/claude-arguments.ts";

describe("buildClaudeArguments", () => {
  const base = {
    message: "Fix the tests",
    sessionId: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    allowedTools: ["Read", "Write", "Bash"],
    maxTurns: 30,
  };

  it("puts the prompt first, so list flags cannot swallow it", () => {
    const args = buildClaudeArguments({ ...base, resume: false });
    expect(args.slice(0, 2)).toEqual(["-p", "Fix the tests"]);
    expect(args).toContain("--verbose");
    expect(args[args.indexOf("--output-format") + 1]).toBe("stream-json");
    expect(args[args.indexOf("--permission-mode") + 1]).toBe("acceptEdits");
    expect(args[args.indexOf("--allowedTools") + 1]).toBe("Read,Write,Bash");
    expect(args[args.indexOf("--max-turns") + 1]).toBe("30");
    expect(args).not.toContain("--dangerously-skip-permissions");
  });

  it("starts a session with a chosen id, and resumes it later", () => {
    const first = buildClaudeArguments({ ...base, resume: false });
    expect(first[first.indexOf("--session-id") + 1]).toBe(base.sessionId);
    expect(first).not.toContain("--resume");
    const later = buildClaudeArguments({ ...base, resume: true });
    expect(later[later.indexOf("--resume") + 1]).toBe(base.sessionId);
    expect(later).not.toContain("--session-id");
  });

  it("offers only the allowed built-in tools, whatever patterns narrow them", () => {
    const args = buildClaudeArguments({
      ...base,
      allowedTools: ["Read", "Bash(npm test:*)", "Bash(git status)", "mcp__flotilla__spawn_agent"],
      resume: false,
    });
    expect(args[args.indexOf("--tools") + 1]).toBe("Read,Bash");
    expect(args[args.indexOf("--allowedTools") + 1]).toBe(
      "Read,Bash(npm test:*),Bash(git status),mcp__flotilla__spawn_agent",
    );
  });

  it("offers no built-in tool when none is allowed", () => {
    const args = buildClaudeArguments({
      ...base,
      allowedTools: ["mcp__flotilla__list_agents"],
      resume: false,
    });
    expect(args[args.indexOf("--tools") + 1]).toBe("");
  });

  it("ignores the repository's own settings and MCP servers", () => {
    const args = buildClaudeArguments({ ...base, resume: false, mcpConfigPath: "/data/a/mcp.json" });
    expect(args[args.indexOf("--setting-sources") + 1]).toBe("user");
    expect(args).toContain("--strict-mcp-config");
    expect(args[args.indexOf("--mcp-config") + 1]).toBe("/data/a/mcp.json");
  });
});
