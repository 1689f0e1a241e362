// A Redis Sentinel failover in the middle of a run: Flotilla reaches Redis through three
// sentinels (REDIS_URL=redis-sentinel://…), the master is demoted while a tree's children are
// working, and every agent still ends once: one completed check run, one pull request, its work
// on its branch; no agent runs twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import { trackingCommentMarker } from "../../src/reporter/views/tracking-comment-view.ts";
import { createKeySpace } from "../../src/store/keys.ts";
import { RunStore } from "../../src/store/run-store.ts";
import {
  agentNameOf,
  justWrote,
  resumedWithReport,
  spawn,
  waitForAll,
  workRequestsOf,
  writeFile,
} from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { type SentinelRedis, startSentinelRedis } from "../support/sentinel-redis.ts";
import { waitFor } from "../support/wait-for.ts";

const leaves = ["leaf-a", "leaf-b"];
let world: E2eEnvironment;
let sentinel: SentinelRedis;
let flotilla: RunningFlotilla;
let releaseLeaves: () => void = () => undefined;
const failoverDone = new Promise<void>((resolve) => {
  releaseLeaves = resolve;
});
const leavesHolding = new Set<string>();
const firstTurns = new Map<string, number>();

beforeAll(async () => {
  [world, sentinel] = await Promise.all([createE2eEnvironment("sentinel"), startSentinelRedis()]);
  world.model
    .script("failover-root", (context) => {
      if (resumedWithReport(context)) return writeFile(context, "root.md", "root after the failover\n");
      if (justWrote(context)) return { text: "Root: children done, root.md written." };
      if (context.step === 0)
        return spawn(leaves.map((name) => ({ name, task: `[[script:failover-leaf]] write ${name}.md` })));
      return waitForAll;
    })
    .script("failover-leaf", (context) => {
      const name = agentNameOf(context);
      if (context.step === 0) {
        firstTurns.set(name, (firstTurns.get(name) ?? 0) + 1);
        return writeFile(context, `${name}.md`, `written by ${name}\n`);
      }
      // The leaf has written its file and waits for its last answer until the failover is over.
      leavesHolding.add(name);
      return { text: `${name} wrote ${name}.md`, holdUntil: failoverDone };
    });
  flotilla = await world.startFlotilla({
    extraEnv: { REDIS_URL: sentinel.url, WORKER_CONCURRENCY: "3", WORKER_HOST_NAME: "host-a" },
  });
});

afterAll(async () => {
  releaseLeaves();
  await world?.cleanup();
  await sentinel?.stop();
});

describe("a Redis Sentinel failover mid-run", () => {
  it("lets every agent of a tree finish once, with one check run and one pull request each", async () => {
    const startLine = await flotilla.waitForLog(/^Flotilla \S+ started/);
    expect(startLine).toMatch(
      /redis-sentinel:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/flotilla-test/,
    );
    const answer = await world.comment(
      flotilla,
      "/agents run [[script:failover-root]] split the work in two",
    );
    expect(answer.status).toBeGreaterThanOrEqual(200);
    expect(answer.status).toBeLessThan(300);

    await waitFor(() => leavesHolding.size === leaves.length, {
      what: "both leaves to be working",
      timeoutMs: 120_000,
    });
    const { from, to } = await sentinel.failover();
    expect(to).not.toBe(from);
    releaseLeaves();

    const redis = createRedisConnection(sentinel.url, "commands");
    try {
      const store = new RunStore(redis, createKeySpace(world.prefix));
      const [runId] = await waitFor(
        async () => {
          const ids = await store.runIdsForIssue(e2eOwner, e2eRepo, 7);
          return ids.length > 0 ? ids : undefined;
        },
        { what: "the run" },
      );
      const agents = await waitFor(
        async () => {
          const all = await store.listRunAgents(runId ?? "");
          return all.length === 3 &&
            all.every((agent) => agent.state === "succeeded" || agent.state === "failed")
            ? all
            : undefined;
        },
        { what: "the three agents to end", timeoutMs: 180_000 },
      );
      expect(agents.map((agent) => [agent.name, agent.state, agent.error])).toEqual(
        expect.arrayContaining([
          [expect.any(String), "succeeded", undefined],
          ["leaf-a", "succeeded", undefined],
          ["leaf-b", "succeeded", undefined],
        ]),
      );
      expect(await sentinel.masterPort()).toBe(to);
      // Each agent names the host it ran on, and /agents status says it.
      expect(agents.map((agent) => agent.host)).toEqual(["host-a", "host-a", "host-a"]);
      await world.comment(flotilla, "/agents status");
      await waitFor(
        () =>
          world.github
            .comments(e2eOwner, e2eRepo, 7)
            .some((comment) => (comment.body ?? "").includes("`leaf-a`: ✅ succeeded on `host-a`")),
        { what: "the status reply naming the host" },
      );

      for (const agent of agents) {
        const pulls = await waitFor(
          () => {
            const found = world.github
              .pullRequests(e2eOwner, e2eRepo)
              .filter((pull) => pull.head.ref === agent.branch);
            return found.length > 0 ? found : undefined;
          },
          { what: `${agent.name}'s pull request` },
        );
        expect(pulls).toHaveLength(1);
        const checkRuns = await waitFor(
          () => {
            const found = world.github
              .checkRuns(e2eOwner, e2eRepo)
              .filter((run) => run.external_id === agent.id);
            return found.every((run) => run.status === "completed") ? found : undefined;
          },
          // After a failover the reporter's retries back off (up to a minute): give them time.
          { what: `${agent.name}'s check run to complete`, timeoutMs: 150_000 },
        );
        expect(checkRuns.map((run) => run.conclusion)).toEqual(["success"]);
      }
      for (const name of leaves) {
        const leaf = agents.find((agent) => agent.name === name);
        expect(await world.remote.readFile(leaf?.branch ?? "", `${name}.md`)).toBe(`written by ${name}\n`);
      }
      const root = agents.find((agent) => agent.parentId === undefined);
      expect(await world.remote.readFile(root?.branch ?? "", "root.md")).toBe("root after the failover\n");
      // Each leaf was started once: its first turn was decided once, so none began again from scratch.
      expect(Object.fromEntries(firstTurns)).toEqual({ "leaf-a": 1, "leaf-b": 1 });
      // One session per agent over its whole life, the root's across its wait included.
      for (const agent of agents) {
        const own = workRequestsOf(world.model.requests, agent.branch);
        expect(own.length, agent.name).toBeGreaterThan(0);
        expect(new Set(own.map((request) => request.sessionId)), agent.name).toEqual(
          new Set([agent.sessionId]),
        );
      }
      // One tracking comment for the run, however often Redis changed masters under the reporter.
      const tracking = world.github
        .comments(e2eOwner, e2eRepo, 7)
        .filter((comment) => (comment.body ?? "").includes(trackingCommentMarker(runId ?? "")));
      expect(tracking).toHaveLength(1);
    } finally {
      redis.disconnect();
    }
  });
});
