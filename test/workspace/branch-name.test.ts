import { execFile } from "node:child_process";
import { promisify } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { agentBranchName, slugForTask } from "../../src/workspace/branch-name.ts";

const run = promisify(execFile);

/** The names among `names` that real git refuses as branch names, checked in one shell process. */
async function namesGitRefuses(names: string[]): Promise<string[]> {
  const script =
    'while IFS= read -r name; do git check-ref-format --branch "$name" >/dev/null 2>&1 || printf "%s\\n" "$name"; done';
  const child = run("sh", ["-c", script], { maxBuffer: 10 * 1024 * 1024 });
  child.child.stdin?.end(`${names.join("\n")}\n`);
  const { stdout } = await child;
  return stdout.split("\n").filter((line) => line !== "");
}

describe("slugForTask", () => {
  it.each([
    ["Fix the flaky test in core", "fix-the-flaky-test-in-core"],
    ["  --Fix   THE test!!  ", "fix-the-test"],
    ["Résumé des tâches élémentaires", "resume-des-taches-elementaires"],
    ["add `Promise<void>` to queue.ts", "add-promise-void-to-queue-ts"],
    ["中文任务", "task"],
    ["", "task"],
    ["---", "task"],
    ["🎉\u200B\u202E", "task"],
  ])("makes %j into %j", (task, slug) => {
    expect(slugForTask(task)).toBe(slug);
  });

  it("cuts long tasks at a word when one is near the limit", () => {
    expect(slugForTask("refactor the queue module into two smaller files please")).toBe(
      "refactor-the-queue-module-into-two",
    );
    expect(slugForTask("a".repeat(100))).toBe("a".repeat(40));
  });

  it("honours a custom maximum length", () => {
    expect(slugForTask("fix the flaky test", 8)).toBe("fix-the");
    expect(slugForTask("", 2)).toBe("ta");
  });

  it("always gives 1 to maxLength characters of a-z, 0-9 and inner single dashes", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 200 }),
        fc.integer({ min: 1, max: 80 }),
        (task, max) => {
          const slug = slugForTask(task, max);
          expect(slug).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
          expect(slug.length).toBeGreaterThanOrEqual(1);
          expect(slug.length).toBeLessThanOrEqual(max);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("agentBranchName", () => {
  it("puts the run and agent under agents/", () => {
    expect(agentBranchName("01HX9ZK", "fix-tests")).toBe("agents/01HX9ZK/fix-tests");
  });

  it.each([
    ["", "a"],
    ["a", ""],
    ["a/b", "c"],
    ["a", "b..c"],
    ["a", "b.lock"],
    ["a", "b."],
    ["a", ".b"],
    ["a", "-b"],
    ["a b", "c"],
    ["a", "b~1"],
    ["a", "x".repeat(101)],
  ])("refuses run id %j with agent name %j", (runId, agentName) => {
    expect(() => agentBranchName(runId, agentName)).toThrow(RangeError);
  });

  it("makes only names real git accepts, from any task", async () => {
    const runId = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,25}$/);
    const task = fc.oneof(
      fc.string({ unit: "binary", maxLength: 120 }),
      fc.string({ unit: "grapheme", maxLength: 60 }),
      fc.string({ unit: fc.constantFrom(..."./\\~^:?*[@{}-_ .lock..aZ9"), maxLength: 40 }),
    );
    const samples = fc.sample(fc.tuple(runId, task, fc.integer({ min: 1, max: 60 })), {
      numRuns: 150,
      seed: 42,
    });
    const names = samples.map(([id, text, max]) => agentBranchName(id, slugForTask(text, max)));
    expect(await namesGitRefuses(names)).toEqual([]);
  });

  it("is checked by a git that does refuse bad names", async () => {
    expect(await namesGitRefuses(["agents/ok/fine", "agents/x/a..b", "agents/x/y.lock", "-x"])).toEqual([
      "agents/x/a..b",
      "agents/x/y.lock",
      "-x",
    ]);
  });
});
