// Worktrees on a host after agents end: a failed agent's is kept for inspection until its
// retention has passed, then removed with its scratch space; one with no record is removed;
// a running agent's is never touched.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunningAgents } from "../../src/agent/running-agents.ts";
import { loadConfig } from "../../src/config/env.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { sweepWorktrees } from "../../src/worker/worktree-sweeper.ts";
import { agentPaths, mirrorPath } from "../../src/workspace/data-paths.ts";
import { syncMirror } from "../../src/workspace/mirror.ts";
import { prepareWorktree } from "../../src/workspace/worktree.ts";
import { makeAgentRecord, makeNewRun } from "../support/agent-record.ts";
import { type BareRemote, createBareRemote } from "../support/git-fixtures.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();
let remote: BareRemote;
let dataDir: string;
const hour = 3_600_000;

beforeAll(async () => {
  remote = await createBareRemote();
  dataDir = await mkdtemp(join(tmpdir(), "flotilla-sweep-"));
});
afterAll(async () => {
  await remote.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

describe("sweepWorktrees", () => {
  it("removes expired and orphaned worktrees only", async () => {
    const store = new RunStore(testRedis.redis, testRedis.keys);
    const now = Date.now();
    const mirrorDir = mirrorPath(dataDir, "o", "r");
    await syncMirror(mirrorDir, { cloneUrl: remote.cloneUrl });
    const baseSha = await remote.headSha("main");
    const agents = [
      makeAgentRecord({ name: "failed-long-ago", state: "failed", endedAt: now - 48 * hour, baseSha }),
      makeAgentRecord({ name: "failed-just-now", state: "failed", endedAt: now - hour, baseSha }),
      makeAgentRecord({ name: "still-running", state: "running", baseSha }),
      makeAgentRecord({ name: "no-record", baseSha }),
    ];
    await store.createRun(
      makeNewRun({
        id: "r1",
        owner: "o",
        repo: "r",
        cloneUrl: remote.cloneUrl,
        headSha: baseSha,
        createdAt: now,
      }),
      [],
    );
    for (const agent of agents) {
      if (agent.name !== "no-record") await store.addAgent(agent);
      await store.updateAgent(agent.id, { state: agent.state, endedAt: agent.endedAt });
      if (agent.name === "no-record") await testRedis.redis.del(testRedis.keys.agent(agent.id));
      await prepareWorktree({
        mirrorDir,
        worktreeDir: agentPaths(dataDir, agent.id).worktree,
        indexFile: agentPaths(dataDir, agent.id).gitIndex,
        branch: agent.branch,
        baseSha,
      });
    }
    const removed = await sweepWorktrees(
      {
        config: loadConfig({ DATA_DIR: dataDir, WORKTREE_RETENTION_HOURS: "24" }),
        store,
        runningAgents: new RunningAgents(),
        log: pino({ level: "silent" }),
      },
      now,
    );
    expect(removed.sort()).toEqual(["r1/failed-long-ago", "r1/no-record"]);
    const exists = (name: string) => existsSync(agentPaths(dataDir, `r1/${name}`).worktree);
    expect(exists("failed-long-ago")).toBe(false);
    expect(exists("no-record")).toBe(false);
    expect(exists("failed-just-now")).toBe(true);
    expect(exists("still-running")).toBe(true);
  });

  it("removes run folders that no agent uses any more, and only those", async () => {
    const emptyRun = join(dataDir, "agents", "r-gone");
    const emptyWorkerRun = join(dataDir, "worker", "r-gone");
    const busyRun = join(dataDir, "worker", "r-busy", "an-agent");
    for (const folder of [emptyRun, emptyWorkerRun, busyRun]) await mkdir(folder, { recursive: true });
    await sweepWorktrees({
      config: loadConfig({ DATA_DIR: dataDir, WORKTREE_RETENTION_HOURS: "24" }),
      store: new RunStore(testRedis.redis, testRedis.keys),
      runningAgents: new RunningAgents(),
      log: pino({ level: "silent" }),
    });
    expect(existsSync(emptyRun)).toBe(false);
    expect(existsSync(emptyWorkerRun)).toBe(false);
    expect(existsSync(busyRun)).toBe(true);
  });
});
