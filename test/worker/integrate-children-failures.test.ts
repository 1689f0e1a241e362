// When a child's merge into its parent fails: only git refusing the merge itself is recorded as
// "aborted", for good. A mirror that cannot be synced (GitHub away) or git timing out says nothing
// of the merge: integrateChildren throws, the job tries again later, and that try merges.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { CommandFailedError, onSubprocessLaunch } from "../../src/process/run-command.ts";
import type { RunRecord } from "../../src/store/records.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { integrateChildren } from "../../src/worker/integrate-children.ts";
import {
  type AgentWorkspace,
  prepareAgentWorkspace,
  type WorkspaceHost,
} from "../../src/workspace/agent-workspace.ts";
import { git } from "../../src/workspace/git.ts";
import { commitAll, prepareWorktree, pushBranch } from "../../src/workspace/worktree.ts";
import { makeNewAgent, makeNewRun } from "../support/agent-record.ts";
import { useMirrorFixture } from "../support/mirror-fixture.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();
const fixture = useMirrorFixture("flotilla-merge-failures-");
const store = new RunStore(testRedis.redis, testRedis.keys);
const log = pino({ level: "silent" });
const otherHostDirs: string[] = [];

afterAll(async () => {
  for (const dir of otherHostDirs) await rm(dir, { recursive: true, force: true });
});

function hostAt(dataDir: string): WorkspaceHost {
  return { dataDir, sourceOf: async () => ({ cloneUrl: fixture.remote.cloneUrl }) };
}

/** A run whose parent waits for its one child, which succeeded with `commit`. */
async function waitingParent(runId: string): Promise<{ run: RunRecord; parentId: string; childId: string }> {
  const parent = { ...makeNewAgent(runId, "parent"), baseSha: fixture.baseSha };
  const child = { ...makeNewAgent(runId, "child", parent.id), baseSha: fixture.baseSha };
  await store.createRun(makeNewRun({ id: runId, owner: "o", repo: "r", cloneUrl: fixture.remote.cloneUrl }), [
    parent,
  ]);
  await store.addAgent(child);
  await store.updateAgent(parent.id, { state: "waiting" });
  return { run: await store.requireRun(runId), parentId: parent.id, childId: child.id };
}

async function childSucceeded(childId: string, commit: string): Promise<void> {
  await store.updateAgent(childId, { state: "succeeded", hasChanges: true, pushedSha: commit });
}

/** A child's work, committed in the fixture's mirror and pushed to the remote. */
async function pushedWork(name: string, file: string): Promise<string> {
  const checkout = fixture.spec(name);
  await prepareWorktree(checkout);
  await writeFile(join(checkout.worktreeDir, file), `${name}\n`);
  const commit = await commitAll(checkout, `${name} works`);
  await pushBranch(checkout, { cloneUrl: fixture.remote.cloneUrl });
  if (commit === undefined) throw new Error(`${name}: nothing to commit`);
  return commit;
}

async function integrate(workspace: AgentWorkspace, parentId: string) {
  return integrateChildren({ store, log }, workspace, parentId, await store.listChildren(parentId));
}

describe("integrateChildren when a child's merge fails", () => {
  it("throws, recording nothing, when the mirror cannot learn the child's commit; the retry merges it", async () => {
    const { run, parentId, childId } = await waitingParent("sync-fails");
    // The parent resumes on a host whose mirror has not seen the child's commit.
    const otherDataDir = await mkdtemp(join(tmpdir(), "flotilla-other-host-"));
    otherHostDirs.push(otherDataDir);
    const workspace = await prepareAgentWorkspace(
      hostAt(otherDataDir),
      run,
      await store.requireAgent(parentId),
    );
    await childSucceeded(childId, await pushedWork("sync-child", "sync.txt"));

    const unreachable = { cloneUrl: join(otherDataDir, "no-such-remote.git") };
    await expect(integrate({ ...workspace, source: unreachable }, parentId)).rejects.toThrow(
      /no-such-remote\.git. does not appear to be a git repository/,
    );
    expect((await store.requireAgent(parentId)).childMerges).toEqual([]);

    const merges = await integrate(workspace, parentId);
    expect(merges.map(({ outcome }) => outcome)).toEqual(["merged"]);
  });

  it("throws, recording nothing, when git times out during the merge; the retry merges it", async () => {
    const { run, parentId, childId } = await waitingParent("git-times-out");
    const workspace = await prepareAgentWorkspace(
      hostAt(fixture.dataDir),
      run,
      await store.requireAgent(parentId),
    );
    await childSucceeded(childId, await pushedWork("slow-child", "slow.txt"));

    // The child's commit is found; every git command after that lookup times out, as run-command.ts
    // reports a command it stopped for taking too long.
    let launches = 0;
    const stopTimingOut = onSubprocessLaunch(() => {
      launches += 1;
      if (launches > 1)
        throw new CommandFailedError("git merge-tree", undefined, "", "timed out after 300000 ms", true);
    });
    try {
      await expect(integrate(workspace, parentId)).rejects.toMatchObject({ timedOut: true });
    } finally {
      stopTimingOut();
    }
    expect(launches).toBeGreaterThan(1);
    expect((await store.requireAgent(parentId)).childMerges).toEqual([]);

    const merges = await integrate(workspace, parentId);
    expect(merges.map(({ outcome }) => outcome)).toEqual(["merged"]);
  });

  it("records the merge as aborted, for good, when git refuses it", async () => {
    const { run, parentId, childId } = await waitingParent("git-refuses");
    const workspace = await prepareAgentWorkspace(
      hostAt(fixture.dataDir),
      run,
      await store.requireAgent(parentId),
    );
    // A commit with no history in common with the parent's branch: git refuses to merge it.
    const emptyTree = (await git(["mktree"], { gitDir: fixture.mirrorDir })).trim();
    const orphan = (
      await git(["commit-tree", emptyTree, "-m", "unrelated"], { gitDir: fixture.mirrorDir })
    ).trim();
    await childSucceeded(childId, orphan);

    const merges = await integrate(workspace, parentId);
    expect(merges).toEqual([
      expect.objectContaining({ outcome: "aborted", reason: expect.stringContaining("unrelated histories") }),
    ]);
    expect((await store.requireAgent(parentId)).childMerges).toEqual(merges);
  });
});
