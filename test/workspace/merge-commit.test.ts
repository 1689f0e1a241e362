// A parent's worktree takes in its children's branches against real git: clean merges are
// committed with both parents; a conflict leaves git's markers in the files and commits nothing
// until the resolution, which then records the merge; nothing is merged twice.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../../src/workspace/git.ts";
import { mergeIntoCheckout } from "../../src/workspace/merge-commit.ts";
import { exists } from "../../src/workspace/mirror.ts";
import { commitAll, headCommit, prepareWorktree } from "../../src/workspace/worktree.ts";
import { useMirrorFixture } from "../support/mirror-fixture.ts";

const fixture = useMirrorFixture("flotilla-merge-");

/** A child branch from `fixture.baseSha` that writes `files`; returns its commit. */
async function child(name: string, files: Record<string, string>): Promise<string> {
  const checkout = fixture.spec(name);
  await prepareWorktree(checkout);
  for (const [path, content] of Object.entries(files))
    await writeFile(join(checkout.worktreeDir, path), content);
  return (await commitAll(checkout, `${name} works`)) ?? "";
}

async function parentsOf(commit: string): Promise<string[]> {
  const line = await git(["rev-list", "--parents", "-n", "1", commit], { gitDir: fixture.mirrorDir });
  return line.trim().split(" ").slice(1);
}

describe("merging children into a parent's worktree", () => {
  it("commits clean merges, leaves a conflict's markers, stacks clean ones on it, aborts a second conflict", async () => {
    const parent = fixture.spec("parent");
    await prepareWorktree(parent);
    const one = await child("one", { "one.txt": "one\n" });
    const two = await child("two", { "shared.txt": "two\n" });
    const three = await child("three", { "shared.txt": "three\n" });
    const four = await child("four", { "four.txt": "four\n" });
    const five = await child("five", { "shared.txt": "five\n" });

    const first = await mergeIntoCheckout(parent, one, "Merge one", []);
    expect(first.kind).toBe("merged");
    const firstCommit = await headCommit(parent);
    expect(await parentsOf(firstCommit)).toEqual([fixture.baseSha, one]);
    expect(await readFile(join(parent.worktreeDir, "one.txt"), "utf8")).toBe("one\n");
    expect(await mergeIntoCheckout(parent, one, "Merge one", [])).toEqual({ kind: "already-merged" });

    expect((await mergeIntoCheckout(parent, two, "Merge two", [])).kind).toBe("merged");
    const afterTwo = await headCommit(parent);

    expect(await mergeIntoCheckout(parent, three, "Merge three", [])).toEqual({
      kind: "conflicted",
      files: ["shared.txt"],
    });
    expect(await headCommit(parent)).toBe(afterTwo);
    const markers = await readFile(join(parent.worktreeDir, "shared.txt"), "utf8");
    expect(markers).toMatch(/^<<<<<<< .*\ntwo\n=======\nthree\n>>>>>>> /);

    expect(await mergeIntoCheckout(parent, four, "Merge four", [three])).toEqual({
      kind: "merged",
      commit: undefined,
    });
    expect(await readFile(join(parent.worktreeDir, "four.txt"), "utf8")).toBe("four\n");
    const fifth = await mergeIntoCheckout(parent, five, "Merge five", [three, four]);
    expect(fifth.kind).toBe("aborted");
    expect(await readFile(join(parent.worktreeDir, "shared.txt"), "utf8")).toBe(markers);

    const pending = { heads: [three, four], conflictFiles: ["shared.txt"] };
    // A checkpoint while the markers are still there records no merge.
    const checkpoint = await commitAll(parent, "checkpoint", pending);
    expect(await parentsOf(checkpoint ?? "")).toEqual([afterTwo]);

    await writeFile(join(parent.worktreeDir, "shared.txt"), "two and three\n");
    const resolution = await commitAll(parent, "resolve", pending);
    expect(await parentsOf(resolution ?? "")).toEqual([checkpoint, three, four]);
    // Recorded once: a later checkpoint adds no parent again.
    await writeFile(join(parent.worktreeDir, "later.txt"), "later\n");
    const later = await commitAll(parent, "later", pending);
    expect(await parentsOf(later ?? "")).toEqual([resolution]);
    expect(await mergeIntoCheckout(parent, three, "Merge three", [])).toEqual({ kind: "already-merged" });
  });

  it("merges in the mirror alone: nothing an agent planted in its worktree is run", async () => {
    const parent = fixture.spec("guarded");
    await prepareWorktree(parent);
    const trace = (name: string) => join(fixture.dataDir, `ran-${name}`);
    // Attributes asking for a merge driver, and the agent's own git config defining it, with
    // hooks and an fsmonitor: each would leave a trace file if the worker's git ran it.
    await writeFile(join(parent.worktreeDir, ".gitattributes"), "*.txt merge=planted\n");
    await writeFile(
      join(parent.worktreeDir, ".git", "config"),
      `[merge "planted"]\n\tdriver = touch ${trace("driver")}\n[core]\n\tfsmonitor = touch ${trace("fsmonitor")}\n`,
    );
    // The agent's repository starts without a hooks directory (no template): the agent makes one.
    await mkdir(join(parent.worktreeDir, ".git", "hooks"), { recursive: true });
    for (const hook of ["pre-merge-commit", "post-merge", "post-commit", "post-checkout"]) {
      const path = join(parent.worktreeDir, ".git", "hooks", hook);
      await writeFile(path, `#!/bin/sh\ntouch ${trace(hook)}\n`, { mode: 0o755 });
    }
    const theirs = await child("guarded-child", { "shared.txt": "theirs\n", "other.txt": "other\n" });
    await writeFile(join(parent.worktreeDir, "shared.txt"), "ours\n");
    expect(await mergeIntoCheckout(parent, theirs, "Merge guarded", [])).toEqual({
      kind: "conflicted",
      files: ["shared.txt"],
    });
    await writeFile(join(parent.worktreeDir, "shared.txt"), "both\n");
    await commitAll(parent, "resolve", { heads: [theirs], conflictFiles: ["shared.txt"] });
    const ran = await Promise.all(
      ["driver", "fsmonitor", "pre-merge-commit", "post-merge", "post-commit", "post-checkout"].map(
        async (name) => ((await exists(trace(name))) ? name : undefined),
      ),
    );
    expect(ran.filter((name) => name !== undefined)).toEqual([]);
  });

  it("after a worker killed between writing the merged files and moving the branch, merges once and loses nothing", async () => {
    const parent = fixture.spec("killed");
    await prepareWorktree(parent);
    const theirs = await child("killed-child", { "killed.txt": "from the child\n" });
    const before = await headCommit(parent);
    expect((await mergeIntoCheckout(parent, theirs, "Merge killed-child", [])).kind).toBe("merged");
    // The kill: the files are merged, the branch is back where it was, nothing was recorded.
    await git(["update-ref", `refs/heads/${parent.branch}`, before], { gitDir: fixture.mirrorDir });
    expect((await mergeIntoCheckout(parent, theirs, "Merge killed-child", [])).kind).toBe("merged");
    const head = await headCommit(parent);
    expect(await parentsOf(head)).toEqual([expect.any(String), theirs]);
    const merges = await git(["rev-list", "--merges", `${before}..${head}`], { gitDir: fixture.mirrorDir });
    expect(merges.trim().split("\n")).toHaveLength(1);
    expect(await readFile(join(parent.worktreeDir, "killed.txt"), "utf8")).toBe("from the child\n");
    // Killed after the branch moved but before the record: the merge is found, not done again.
    expect(await mergeIntoCheckout(parent, theirs, "Merge killed-child", [])).toEqual({
      kind: "already-merged",
    });
    expect(await headCommit(parent)).toBe(head);
  });
});
