import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readFinalAnswer, sessionFilePath } from "../../src/agent/session-file.ts";

const fixture = new URL("../fixtures/session/final-answer.jsonl", import.meta.url).pathname;
const scratch = await mkdtemp(join(tmpdir(), "session-file-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe("session files", () => {
  it("are keyed by the cwd with every non-alphanumeric character as a dash", () => {
    expect(sessionFilePath("/data/a/home/.claude", "/data/worktrees/r1/fix-it", "abc")).toBe(
      "/data/a/home/.claude/projects/-data-worktrees-r1-fix-it/abc.jsonl",
    );
  });

  it("give back the last assistant answer of a real session (when the CLI's result line was cut off)", async () => {
    const answer = await readFinalAnswer(fixture);
    expect(answer).toMatch(/^Report of c1\. lorem ipsum/);
    expect(answer).toMatch(/…END-OF-c1$/);
  });

  it("give nothing for a missing file or a session without an answer", async () => {
    expect(await readFinalAnswer(join(scratch, "missing.jsonl"))).toBeUndefined();
    const onlyUser = join(scratch, "only-user.jsonl");
    await writeFile(
      onlyUser,
      `${JSON.stringify({ type: "user", message: { role: "user", content: "hi" } })}\n`,
    );
    expect(await readFinalAnswer(onlyUser)).toBeUndefined();
  });
});
