// wait_for_agents with `merge: false`: the parent resumes with its children's reports but none of
// their branches merged into its worktree, and its report says so; with the default, it merges.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/store/records.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { prepareResumeAfterWaiting } from "../../src/worker/park-for-children.ts";
import { prepareAgentWorkspace } from "../../src/workspace/agent-workspace.ts";
import { commitAll, prepareWorktree, pushBranch } from "../../src/workspace/worktree.ts";
import { makeNewAgent, makeNewRun } from "../support/agent-record.ts";
import { useMirrorFixture } from "../support/mirror-fixture.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();
const fixture = useMirrorFixture("flotilla-declined-merge-");
const store = new RunStore(testRedis.redis, testRedis.keys);

const deps = {
  store,
  log: pino({ level: "silent" }),
  reporter: { changed: async () => {} },
};

/** A parent parked on its one child, which succeeded with a file of its own pushed to its branch. */
async function parentWaitingOnWork(
  runId: string,
  mergeDeclined: boolean,
): Promise<{ run: RunRecord; parentId: string }> {
  const parent = { ...makeNewAgent(runId, "parent"), baseSha: fixture.baseSha };
  const child = { ...makeNewAgent(runId, "child", parent.id), baseSha: fixture.baseSha };
  await store.createRun(makeNewRun({ id: runId, owner: "o", repo: "r", cloneUrl: fixture.remote.cloneUrl }), [
    parent,
  ]);
  await store.addAgent(child);
  const checkout = fixture.spec(`${runId}-child`);
  await prepareWorktree(checkout);
  await writeFile(join(checkout.worktreeDir, "child.txt"), "the child's work\n");
  const commit = await commitAll(checkout, "child works");
  await pushBranch(checkout, { cloneUrl: fixture.remote.cloneUrl });
  await store.updateAgent(child.id, { state: "succeeded", hasChanges: true, pushedSha: commit ?? "" });
  await store.updateAgent(parent.id, {
    state: "waiting",
    waitingFor: [child.id],
    waitKind: "asked",
    mergeDeclined,
    startedAt: 1,
  });
  return { run: await store.requireRun(runId), parentId: parent.id };
}

async function resume(runId: string, mergeDeclined: boolean) {
  const { run, parentId } = await parentWaitingOnWork(runId, mergeDeclined);
  const host = { dataDir: fixture.dataDir, sourceOf: async () => ({ cloneUrl: fixture.remote.cloneUrl }) };
  const workspace = await prepareAgentWorkspace(host, run, await store.requireAgent(parentId));
  const resumed = await prepareResumeAfterWaiting(deps, await store.requireAgent(parentId), workspace);
  const childFile = await readFile(join(workspace.paths.worktree, "child.txt"), "utf8").catch(
    () => undefined,
  );
  return { resumed, childFile };
}

describe("a parent that waited with merge: false", () => {
  it("merges none of its children's branches, records no merge, and is told so", async () => {
    const { resumed, childFile } = await resume("declined", true);
    expect(childFile).toBeUndefined();
    expect(resumed.childMerges).toEqual([]);
    expect(resumed.state).toBe("running");
    expect(resumed.pendingMessage).toContain(
      "Merge: not merged, as you asked; its pull request targets your branch.",
    );
  });

  it("is the exception: waiting with the default merges the child's branch", async () => {
    const { resumed, childFile } = await resume("accepted", false);
    expect(childFile).toBe("the child's work\n");
    expect(resumed.childMerges.map((merge) => merge.outcome)).toEqual(["merged"]);
    expect(resumed.pendingMessage).toContain("Merge: merged into your branch");
  });
});
