// A git that times out says nothing about the repository: the lookups that read "exit 1" as "not
// there" (resolveCommit, isWorktreeOn) throw instead, so a slow disk never makes the worker check
// out an agent's worktree afresh over its work, or treat a known commit as missing.
import { describe, expect, it } from "vitest";
import { CommandFailedError, onSubprocessLaunch } from "../../src/process/run-command.ts";
import { resolveCommit } from "../../src/workspace/mirror.ts";
import { isWorktreeOn, prepareWorktree } from "../../src/workspace/worktree.ts";
import { useMirrorFixture } from "../support/mirror-fixture.ts";

const fixture = useMirrorFixture("flotilla-git-timeout-");

/** Every git started meanwhile fails as run-command.ts reports a command it stopped for taking too long. */
async function whileGitTimesOut<T>(action: () => Promise<T>): Promise<T> {
  const stop = onSubprocessLaunch(() => {
    throw new CommandFailedError("git rev-parse --verify", undefined, "", "timed out after 300000 ms", true);
  });
  try {
    return await action();
  } finally {
    stop();
  }
}

describe("git timing out in the workspace's lookups", () => {
  it("resolveCommit throws on a timeout, and answers undefined only for a name that resolves to nothing", async () => {
    expect(await resolveCommit(fixture.mirrorDir, fixture.baseSha)).toBe(fixture.baseSha);
    expect(await resolveCommit(fixture.mirrorDir, "refs/heads/no-such-branch")).toBeUndefined();
    await expect(
      whileGitTimesOut(() => resolveCommit(fixture.mirrorDir, fixture.baseSha)),
    ).rejects.toMatchObject({
      timedOut: true,
    });
  });

  it("isWorktreeOn throws on a timeout instead of saying the worktree is not there", async () => {
    const checkout = fixture.spec("slow-disk");
    await prepareWorktree(checkout);
    expect(await isWorktreeOn(checkout)).toBe(true);
    await expect(whileGitTimesOut(() => isWorktreeOn(checkout))).rejects.toMatchObject({ timedOut: true });
    expect(await isWorktreeOn(fixture.spec("never-made"))).toBe(false);
  });
});
