// The progress recorder fed a real stream (Claude Code's built-in sub-agent at work) writes what
// the check run shows: the in-process sub-agents, recent tool calls marked as theirs, turns.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamParser } from "../../src/agent/stream-parser.ts";
import { renderCheckRun } from "../../src/reporter/views/check-run-view.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { ProgressRecorder } from "../../src/worker/progress-recorder.ts";
import { makeNewRun } from "../support/agent-record.ts";
import { createTestRedis, type TestRedis } from "../support/test-redis.ts";

let testRedis: TestRedis;
let store: RunStore;

beforeAll(() => {
  testRedis = createTestRedis();
  store = new RunStore(testRedis.redis, testRedis.keys);
});
afterAll(() => testRedis.cleanup());

describe("ProgressRecorder", () => {
  it("records the built-in sub-agents of a real stream and the check run shows them", async () => {
    await store.createRun(
      makeNewRun({ id: "r1", installationId: 1, owner: "o", repo: "r", issueNumber: 1, baseBranch: "main" }),
      [
        {
          id: "r1/a",
          runId: "r1",
          name: "a",
          depth: 0,
          task: "use the Task tool",
          branch: "agents/r1/a",
          baseSha: "a".repeat(40),
          sessionId: "s",
          budgetTokens: 1000,
          maxTurns: 30,
          createdAt: 1,
        },
      ],
    );
    let flushed = 0;
    const recorder = new ProgressRecorder(
      {
        store,
        agentId: "r1/a",
        onFlushed: () => {
          flushed += 1;
        },
        countStreamUsage: true,
        earlier: { turns: 4, costUsd: 0.5 },
        onWriteError: (error) => {
          throw error;
        },
      },
      [],
    );
    const parser = new StreamParser();
    const lines = (
      await readFile(new URL("../fixtures/stream/subagent.jsonl", import.meta.url), "utf8")
    ).split("\n");
    for (const line of lines) for (const event of parser.parse(line)) recorder.record(event);
    await recorder.flush();

    const agent = await store.requireAgent("r1/a");
    expect(agent.sessionStarted).toBe(true);
    expect(agent.inProcessSubagents.length).toBe(1);
    expect(agent.inProcessSubagents[0]).toMatch(/: completed$/);
    expect(agent.recentTools.some((tool) => tool.startsWith("(sub-agent) "))).toBe(true);
    expect(agent.turns).toBeGreaterThan(4);
    expect(agent.costUsd).toBeGreaterThan(0.5);
    expect(flushed).toBeGreaterThan(0);

    const run = await store.requireRun("r1");
    const view = renderCheckRun({
      run,
      agent,
      agentsById: new Map([[agent.id, agent]]),
      resultExcerpt: undefined,
      detailsUrl: undefined,
    });
    expect(view.summary).toContain("Built-in sub-agents (inside this agent's own session)");
    expect(view.summary).toContain(agent.inProcessSubagents[0]);
  });
});
