import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { narrowTools, resolveRunSettings } from "../../src/config/run-limits.ts";

const processConfig = loadConfig({
  AGENT_BUDGET_TOKENS: "1000000",
  AGENT_MAX_BUDGET_TOKENS: "5000000",
  AGENT_MAX_TURNS: "50",
  AGENT_TIMEOUT_MINUTES: "30",
  AGENT_MAX_DEPTH: "3",
  AGENT_MAX_CHILDREN: "6",
  AGENT_MAX_PER_RUN: "20",
  AGENT_MAX_CONCURRENT_PER_REPO: "4",
  AGENT_ALLOWED_TOOLS: "Read,Write,Edit,Bash",
  AGENT_MODEL: "claude-process-default",
  MIN_PERMISSION: "write",
});

describe("resolveRunSettings", () => {
  it("uses the process settings when the repository has none", () => {
    const settings = resolveRunSettings(processConfig, {});
    expect(settings).toEqual({
      limits: {
        maxDepth: 3,
        maxChildrenPerAgent: 6,
        maxAgentsPerRun: 20,
        maxTurns: 50,
        timeoutMs: 30 * 60_000,
        allowedTools: ["Read", "Write", "Edit", "Bash"],
        model: "claude-process-default",
        defaultChildBudgetShare: 0.25,
        maxConcurrentInRepository: 4,
      },
      defaultBudgetTokens: 1_000_000,
      maxBudgetTokens: 5_000_000,
      minimumPermission: "write",
      allowForks: { repository: false, operator: false },
    });
  });

  it("takes the repository's values where they are narrower", () => {
    const settings = resolveRunSettings(processConfig, {
      budget: { default: 200_000, max: 400_000 },
      model: "claude-repo",
      limits: {
        max_turns: 10,
        timeout_minutes: 5,
        max_depth: 1,
        max_children: 2,
        max_agents_per_run: 3,
        max_concurrent_agents: 1,
      },
      allowed_tools: ["Read", "Bash(npm test:*)"],
      access: { minimum_permission: "admin", allow_forks: true },
      instructions: "Be brief.",
      workspace: { sparse: ["src/api", "package.json"] },
    });
    expect(settings).toEqual({
      limits: {
        maxDepth: 1,
        maxChildrenPerAgent: 2,
        maxAgentsPerRun: 3,
        maxTurns: 10,
        timeoutMs: 5 * 60_000,
        allowedTools: ["Read", "Bash(npm test:*)"],
        model: "claude-repo",
        defaultChildBudgetShare: 0.25,
        extraInstructions: "Be brief.",
        maxConcurrentInRepository: 1,
        sparsePaths: ["src/api", "package.json"],
      },
      defaultBudgetTokens: 200_000,
      maxBudgetTokens: 400_000,
      minimumPermission: "admin",
      allowForks: { repository: true, operator: false },
    });
  });

  it("clamps values above the process's limits to them: a repository can only narrow", () => {
    const settings = resolveRunSettings(processConfig, {
      budget: { default: 9_000_000, max: 50_000_000 },
      limits: {
        max_turns: 500,
        timeout_minutes: 600,
        max_depth: 9,
        max_children: 60,
        max_agents_per_run: 900,
        max_concurrent_agents: 50,
      },
      access: { minimum_permission: "read" },
    });
    expect(settings.maxBudgetTokens).toBe(5_000_000);
    expect(settings.defaultBudgetTokens).toBe(5_000_000);
    expect(settings.limits).toMatchObject({
      maxTurns: 50,
      timeoutMs: 30 * 60_000,
      maxDepth: 3,
      maxChildrenPerAgent: 6,
      maxAgentsPerRun: 20,
      maxConcurrentInRepository: 4,
    });
    expect(settings.minimumPermission).toBe("write");
  });

  it("keeps the default budget within a lower maximum", () => {
    expect(resolveRunSettings(processConfig, { budget: { max: 300_000 } }).defaultBudgetTokens).toBe(300_000);
  });

  it("has no concurrency limit unless the process or the repository sets one", () => {
    const unlimited = loadConfig({});
    expect(resolveRunSettings(unlimited, {}).limits.maxConcurrentInRepository).toBeUndefined();
    expect(
      resolveRunSettings(unlimited, { limits: { max_concurrent_agents: 2 } }).limits
        .maxConcurrentInRepository,
    ).toBe(2);
  });

  it("ignores blank extra instructions", () => {
    expect(
      resolveRunSettings(processConfig, { instructions: "  \n" }).limits.extraInstructions,
    ).toBeUndefined();
  });
});

describe("narrowTools", () => {
  it("keeps the repository's tools the process allows, whole or narrowed by a pattern", () => {
    expect(
      narrowTools(["Read", "WebFetch", "Bash(git status)", "Edit", "Read"], ["Read", "Edit", "Bash"]),
    ).toEqual(["Read", "Bash(git status)", "Edit"]);
  });

  it("does not widen a pattern the process allows into the whole tool", () => {
    expect(narrowTools(["Bash"], ["Read", "Bash(npm test:*)"])).toEqual([]);
    expect(narrowTools(["Bash(npm test:*)"], ["Bash(npm test:*)"])).toEqual(["Bash(npm test:*)"]);
  });

  it("uses the process's list when the repository names none", () => {
    expect(narrowTools(undefined, ["Read", "Bash"])).toEqual(["Read", "Bash"]);
  });
});
