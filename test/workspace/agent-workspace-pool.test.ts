// An agent's place as the worker prepares it: the run's `workspace: sparse:` paths hold for every
// agent of the run (a child branches from its parent's work and gets the same paths), a finished
// agent's worktree goes to the mirror's pool when the host keeps one, and the next agent of the
// repository starts from it.
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RunStore } from "../../src/store/run-store.ts";
import {
  checkpointWorkspace,
  prepareAgentWorkspace,
  removeAgentWorkspace,
} from "../../src/workspace/agent-workspace.ts";
import { worktreePoolPath } from "../../src/workspace/data-paths.ts";
import { makeNewAgent, makeNewRun } from "../support/agent-record.ts";
import { useMirrorFixture } from "../support/mirror-fixture.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();
const fixture = useMirrorFixture("flotilla-workspace-pool-");
const store = new RunStore(testRedis.redis, testRedis.keys);

async function filesOf(worktree: string): Promise<string[]> {
  return (await readdir(worktree)).filter((name) => name !== ".git").sort();
}

describe("an agent's workspace", () => {
  it("is sparse for every agent of a run that asks, a child's too, and their branches stay complete", async () => {
    const base = makeNewRun({ id: "rsparse", owner: "o", repo: "r", cloneUrl: fixture.remote.cloneUrl });
    const parentRecord = { ...makeNewAgent("rsparse", "parent"), baseSha: fixture.baseSha };
    await store.createRun({ ...base, limits: { ...base.limits, sparsePaths: ["README.md"] } }, [
      parentRecord,
    ]);
    const run = await store.requireRun("rsparse");
    expect(run.limits.sparsePaths).toEqual(["README.md"]);
    const host = { dataDir: fixture.dataDir, sourceOf: async () => ({ cloneUrl: fixture.remote.cloneUrl }) };

    const parent = await store.requireAgent(parentRecord.id);
    const parentPlace = await prepareAgentWorkspace(host, run, parent);
    expect(await filesOf(parentPlace.paths.worktree)).toEqual(["README.md"]);
    await writeFile(join(parentPlace.paths.worktree, "README.md"), "# by the parent\n");
    const { pushedSha } = await checkpointWorkspace(parentPlace, parent, "parent's work");
    expect(pushedSha).toMatch(/^[0-9a-f]{40}$/);

    const childRecord = { ...makeNewAgent("rsparse", "child", parent.id), baseSha: pushedSha ?? "" };
    await store.addAgent(childRecord);
    const child = await store.requireAgent(childRecord.id);
    const childPlace = await prepareAgentWorkspace(host, run, child);
    expect(await filesOf(childPlace.paths.worktree)).toEqual(["README.md"]);
    expect(await readFile(join(childPlace.paths.worktree, "README.md"), "utf8")).toBe("# by the parent\n");
    await writeFile(join(childPlace.paths.worktree, "README.md"), "# by the child\n");
    const childCheckpoint = await checkpointWorkspace(childPlace, child, "child's work");
    expect(childCheckpoint.commits).toBe(1);
    expect(await fixture.remote.readFile(child.branch, "shared.txt")).toBe("original\n");
    expect(await fixture.remote.readFile(child.branch, "README.md")).toBe("# by the child\n");
  });

  it("goes to the mirror's pool when it ends, and the next agent of the repository starts from it", async () => {
    const base = makeNewRun({ id: "rpool", owner: "o", repo: "r", cloneUrl: fixture.remote.cloneUrl });
    const first = { ...makeNewAgent("rpool", "first"), baseSha: fixture.baseSha };
    const second = { ...makeNewAgent("rpool", "second"), baseSha: fixture.baseSha };
    await store.createRun(base, [first, second]);
    const run = await store.requireRun("rpool");
    const host = {
      dataDir: fixture.dataDir,
      sourceOf: async () => ({ cloneUrl: fixture.remote.cloneUrl }),
      worktreePool: { size: 2, minFiles: 0 },
    };
    const firstAgent = await store.requireAgent(first.id);
    const firstPlace = await prepareAgentWorkspace(host, run, firstAgent);
    const sharedInode = (await stat(join(firstPlace.paths.worktree, "shared.txt"))).ino;
    await writeFile(join(firstPlace.paths.worktree, "README.md"), "# first's work\n");
    await checkpointWorkspace(firstPlace, firstAgent, "work");
    await removeAgentWorkspace(firstPlace, firstAgent);
    expect(await readdir(worktreePoolPath(firstPlace.mirrorDir))).toHaveLength(1);

    const secondPlace = await prepareAgentWorkspace(host, run, await store.requireAgent(second.id));
    expect(await readdir(worktreePoolPath(firstPlace.mirrorDir))).toEqual([]);
    expect((await stat(join(secondPlace.paths.worktree, "shared.txt"))).ino).toBe(sharedInode);
    expect(await readFile(join(secondPlace.paths.worktree, "README.md"), "utf8")).toBe("# base\n");
  });
});
