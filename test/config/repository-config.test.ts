import { describe, expect, it } from "vitest";
import { formatConfigProblems } from "../../src/config/config-problems.ts";
import { parseRepositoryConfig } from "../../src/config/repository-config.ts";

function problemsOf(raw: unknown): string[] {
  const result = parseRepositoryConfig(raw);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.config)}`);
  return result.problems.map((problem) => `${problem.key}: ${problem.message}`);
}

describe("parseRepositoryConfig: valid files", () => {
  it("takes no file, or an empty one, as no settings", () => {
    expect(parseRepositoryConfig(null)).toEqual({ ok: true, config: {} });
    expect(parseRepositoryConfig({})).toEqual({ ok: true, config: {} });
  });

  it("reads every key", () => {
    const result = parseRepositoryConfig({
      budget: { default: "500k", max: 2_000_000 },
      model: "claude-sonnet-4-5",
      limits: {
        max_turns: 40,
        timeout_minutes: 30,
        max_depth: 2,
        max_children: 4,
        max_agents_per_run: 12,
        max_concurrent_agents: 3,
      },
      allowed_tools: ["Read", "Edit", "Bash(npm test:*)"],
      access: { minimum_permission: "maintain", allow_forks: true },
      children: "stack",
      instructions: "Run `npm test` before you finish.\n",
    });
    expect(result).toEqual({
      ok: true,
      config: {
        budget: { default: 500_000, max: 2_000_000 },
        model: "claude-sonnet-4-5",
        limits: {
          max_turns: 40,
          timeout_minutes: 30,
          max_depth: 2,
          max_children: 4,
          max_agents_per_run: 12,
          max_concurrent_agents: 3,
        },
        allowed_tools: ["Read", "Edit", "Bash(npm test:*)"],
        access: { minimum_permission: "maintain", allow_forks: true },
        children: "stack",
        instructions: "Run `npm test` before you finish.\n",
      },
    });
  });

  it("reads token amounts as people write them", () => {
    for (const [written, tokens] of [
      ["300k", 300_000],
      ["1.5m", 1_500_000],
      [" 2M ", 2_000_000],
      [250_000, 250_000],
    ] as const) {
      const result = parseRepositoryConfig({ budget: { max: written } });
      expect(result.ok && result.config.budget?.max).toBe(tokens);
    }
  });
});

describe("parseRepositoryConfig: every problem names its key", () => {
  it.each([
    [{ budget: { default: "lots" } }, "budget.default: must be a number of tokens", '"lots"'],
    [{ budget: { default: 999 } }, "budget.default: must be a number of tokens from 1,000", "got 999"],
    [{ budget: { max: "2b" } }, "budget.max: must be a number of tokens", 'got "2b"'],
    [{ budget: { default: "2m", max: "1m" } }, "budget.default: must not be more than budget.max", "2000000"],
    [{ budget: "1m" }, "budget: must be a mapping with the keys default and max", 'got "1m"'],
    [{ model: "" }, "model: must be a model name", 'got ""'],
    [{ children: "keep" }, "children: must be close or stack", 'got "keep"'],
    [{ model: "rm -rf /" }, "model: must be a model name", 'got "rm -rf /"'],
    [{ limits: { max_turns: 0 } }, "limits.max_turns: must be a whole number from 1 to 10000", "got 0"],
    [
      { limits: { timeout_minutes: 1441 } },
      "limits.timeout_minutes: must be a whole number from 1 to 1440",
      "got 1441",
    ],
    [
      { limits: { max_depth: "deep" } },
      "limits.max_depth: must be a whole number from 1 to 10",
      'got "deep"',
    ],
    [
      { limits: { max_children: 1.5 } },
      "limits.max_children: must be a whole number from 1 to 100",
      "got 1.5",
    ],
    [
      { limits: { max_agents_per_run: null } },
      "limits.max_agents_per_run: must be a whole number",
      "got null",
    ],
    [
      { limits: { max_concurrent_agents: -2 } },
      "limits.max_concurrent_agents: must be a whole number",
      "got -2",
    ],
    [
      { limits: { max_deph: 2 } },
      "limits.max_deph: is not a setting Flotilla knows. Did you mean `max_depth`?",
      "Known keys here: max_turns",
    ],
    [{ allowed_tools: "Read,Edit" }, "allowed_tools: must be a list of tool names", 'got "Read,Edit"'],
    [{ allowed_tools: ["Read", 42] }, "allowed_tools[1]: must be a tool name", "got 42"],
    [{ allowed_tools: ["Read", "Bash; rm"] }, "allowed_tools[1]: must be a tool name", 'got "Bash; rm"'],
    [
      { access: { minimum_permission: "owner" } },
      "access.minimum_permission: must be one of read, triage, write, maintain, admin",
      'got "owner"',
    ],
    [{ access: { allow_forks: "yes" } }, "access.allow_forks: must be true or false", 'got "yes"'],
    [{ access: { forks: true } }, "access.forks: is not a setting Flotilla knows", "allow_forks"],
    [{ instructions: 7 }, "instructions: must be text", "got 7"],
    [{ instructions: "x".repeat(8_001) }, "instructions: must be at most 8000 characters", "…"],
    [{ agent: {} }, "agent: is not a setting Flotilla knows", "Known keys here: budget, model, limits"],
    [["a", "list"], ": must be a mapping of settings", "got a list"],
  ])("%j", (raw, start, detail) => {
    const problems = problemsOf(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(start);
    expect(problems[0]).toContain(detail);
  });

  it("reports every problem at once, one line each, in the reply", () => {
    const result = parseRepositoryConfig({
      limits: { max_depth: 0, max_turns: "x" },
      access: { allow_forks: 1 },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const reply = formatConfigProblems(result.problems);
    expect(reply).toContain("`.github/agents.yml` has 3 problems");
    expect(reply).toContain("- `limits.max_depth`: must be a whole number from 1 to 10, got 0");
    expect(reply).toContain('- `limits.max_turns`: must be a whole number from 1 to 10000, got "x"');
    expect(reply).toContain("- `access.allow_forks`: must be true or false, got 1");
    expect(reply).toContain("Fix the file on the default branch");
  });
});
