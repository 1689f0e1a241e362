// A checkpoint pushes the agent's branch only when it holds something the branch does not: the
// exit checkpoint after a final answer that changed no file then saves the session at once, with
// no push to wait for (or to lose its host in).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RunStore } from "../../src/store/run-store.ts";
import { checkpointWorkspace, prepareAgentWorkspace } from "../../src/workspace/agent-workspace.ts";
import { makeNewAgent, makeNewRun } from "../support/agent-record.ts";
import { git } from "../support/git-fixtures.ts";
import { useMirrorFixture } from "../support/mirror-fixture.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();
const fixture = useMirrorFixture("flotilla-checkpoint-push-");
const store = new RunStore(testRedis.redis, testRedis.keys);

describe("checkpointWorkspace", () => {
  it("pushes new commits, and skips the push when the branch already holds the head", async () => {
    const newAgent = { ...makeNewAgent("rpush", "writer"), baseSha: fixture.baseSha };
    await store.createRun(
      makeNewRun({ id: "rpush", owner: "o", repo: "r", cloneUrl: fixture.remote.cloneUrl }),
      [newAgent],
    );
    const agent = await store.requireAgent(newAgent.id);
    const host = { dataDir: fixture.dataDir, sourceOf: async () => ({ cloneUrl: fixture.remote.cloneUrl }) };
    const workspace = await prepareAgentWorkspace(host, await store.requireRun("rpush"), agent);
    await writeFile(join(workspace.paths.worktree, "notes.md"), "notes\n");

    const first = await checkpointWorkspace(workspace, agent, "notes");
    expect(first.pushedSha).toMatch(/^[0-9a-f]{40}$/);
    expect(await fixture.remote.headSha(agent.branch)).toBe(first.pushedSha);

    // Taken off the remote: a push would put it back, so its absence shows no push was made.
    await git(fixture.remote.bareDir, ["update-ref", "-d", `refs/heads/${agent.branch}`]);
    const unchanged = await checkpointWorkspace(workspace, agent, "nothing new", {
      pushedSha: first.pushedSha,
    });
    expect(unchanged.pushedSha).toBe(first.pushedSha);
    await expect(fixture.remote.headSha(agent.branch)).rejects.toThrow();

    // Without that knowledge the same checkpoint pushes.
    const pushed = await checkpointWorkspace(workspace, agent, "nothing new");
    expect(pushed.pushedSha).toBe(first.pushedSha);
    expect(await fixture.remote.headSha(agent.branch)).toBe(first.pushedSha);
  });
});
