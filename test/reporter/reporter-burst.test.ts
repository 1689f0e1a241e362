// Reporting at scale: 200 agents' progress in a burst, then their final states, through two
// reporters (two Flotilla processes sharing one Redis) against the fake GitHub, which answers
// some writes with 502 and some with a secondary-rate-limit 403. The limiter's windows are
// shortened (a 2 s "minute", a 20 s "hour") so the test runs in seconds: no window of the fake's
// own request log may hold more writes than the limit, and every check run and tracking comment
// must end in its true final state. The fake GitHub, both reporters and the burst share this
// process's event loop, so arrivals bunch up more than over a network: the limiter's slack (the
// margin between its count and GitHub's) is 500 ms here against 1 s of 60 in production.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { targetsShowingAgent } from "../../src/reporter/report-targets.ts";
import { trackingCommentMarker } from "../../src/reporter/views/tracking-comment-view.ts";
import type { AgentState } from "../../src/store/records.ts";
import { stateLabels } from "../../src/text/agent-state-labels.ts";
import type { RequestLogEntry } from "../support/fake-github.ts";
import { createReporterWorld, type ReporterWorld, worldOwner, worldRepo } from "../support/reporter-world.ts";
import { waitFor } from "../support/wait-for.ts";

const limits = { perMinute: 40, perHour: 300, minuteMs: 2_000, hourMs: 20_000 };
const runCount = 4;
const agentsPerRun = 50;
const progressRounds = 10;
const checkRunsPath = `/repos/${worldOwner}/${worldRepo}/check-runs`;

const finalStates: { state: AgentState; hasChanges: boolean; conclusion: string }[] = [
  { state: "succeeded", hasChanges: true, conclusion: "success" },
  { state: "succeeded", hasChanges: false, conclusion: "neutral" },
  { state: "failed", hasChanges: false, conclusion: "failure" },
  { state: "cancelled", hasChanges: false, conclusion: "cancelled" },
  { state: "timed_out", hasChanges: true, conclusion: "timed_out" },
  { state: "out_of_budget", hasChanges: true, conclusion: "action_required" },
];

let world: ReporterWorld;
const runs: { runId: string; issueNumber: number; agentIds: string[] }[] = [];

beforeAll(async () => {
  world = await createReporterWorld();
  for (let index = 0; index < runCount; index += 1) {
    const runId = `rburst${index}`;
    runs.push({ runId, ...(await world.createRun(runId, agentsPerRun)) });
  }
});
afterAll(() => world?.cleanup());

/** The most content writes whose arrival times fall within any `windowMs`. */
function maxWritesInWindow(
  log: readonly RequestLogEntry[],
  installationId: number,
  windowMs: number,
): number {
  const times = log
    .filter((entry) => entry.method !== "GET" && entry.auth === "installation-token")
    .filter((entry) => entry.installationId === installationId)
    .map((entry) => entry.time)
    .sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < times.length; end += 1) {
    while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

function finalFor(agentIndex: number) {
  return finalStates[agentIndex % finalStates.length] ?? finalStates[0]!;
}

describe("reporter under a burst of 200 agents", () => {
  it("stays under the per-window limits through 502s and secondary rate limits, and writes every final state", async () => {
    const { github, store } = world;
    // Faults meet the creations, the progress updates and the tracking comments.
    github.failNext({ method: "POST", pathPattern: checkRunsPath, status: 502, times: 3 });
    github.failNextWithSecondaryRateLimit({
      method: "PATCH",
      pathPattern: `${checkRunsPath}/*`,
      retryAfterSeconds: 1,
    });
    github.failNext({ method: "PATCH", pathPattern: `${checkRunsPath}/*`, status: 502, times: 4 });
    github.failNext({
      method: "POST",
      pathPattern: `/repos/${worldOwner}/${worldRepo}/issues/*/comments`,
      status: 502,
    });
    github.failNextWithSecondaryRateLimit({
      method: "POST",
      pathPattern: checkRunsPath,
      retryAfterSeconds: 1,
    });

    const reporters = [0, 1].map(() => world.createReporter({ limits, minIntervalMs: 1_000 }));
    for (const reporter of reporters) reporter.start();
    const [reporter] = reporters;
    if (reporter === undefined) throw new Error("no reporter");
    const allAgents = runs.flatMap((run) =>
      run.agentIds.map((agentId) => ({ id: agentId, runId: run.runId })),
    );
    expect(allAgents).toHaveLength(200);

    // As `/agents run` does: every check run and tracking comment is due at once.
    await reporter.changed(
      allAgents.flatMap((agent) => targetsShowingAgent(agent)),
      { urgent: true },
    );
    await waitFor(() => github.checkRuns(worldOwner, worldRepo).length === allAgents.length, {
      timeoutMs: 40_000,
      intervalMs: 200,
      what: "a check run for every agent",
    });
    // The burst: every agent reports ten steps in quick succession.
    let progressChanges = 0;
    for (let round = 1; round <= progressRounds; round += 1) {
      await Promise.all(
        allAgents.map(async (agent) => {
          await store.updateAgent(agent.id, {
            state: "running",
            currentStep: `running Bash: step ${round}`,
            recentTools: [`Bash: step ${round}`],
            lastActivityAt: Date.now(),
          });
          await store.addSpentTokens(agent.id, 1_000);
          await reporter.changed(targetsShowingAgent(agent));
          progressChanges += 1;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    // Final states for all, with more faults waiting for them.
    github.failNext({ method: "PATCH", pathPattern: `${checkRunsPath}/*`, status: 502, times: 3 });
    github.failNextWithSecondaryRateLimit({
      method: "PATCH",
      pathPattern: `${checkRunsPath}/*`,
      retryAfterSeconds: 1,
    });
    await Promise.all(
      allAgents.map(async (agent, index) => {
        const final = finalFor(index);
        await store.updateAgent(agent.id, {
          state: final.state,
          hasChanges: final.hasChanges,
          endedAt: Date.now(),
          currentStep: "",
          ...(final.state === "failed" ? { error: "tests kept failing" } : {}),
        });
        await store.saveResult(agent.id, `Agent ${agent.id} ended ${final.state}.`);
        await reporter.changed(targetsShowingAgent(agent), { urgent: true });
      }),
    );

    await waitFor(
      async () =>
        (await world.store.redis.zcard(world.testRedis.keys.reportDirty())) === 0 &&
        github.pendingFaults === 0,
      { timeoutMs: 75_000, intervalMs: 250, what: "every target to be written and every fault to be met" },
    );

    // Pace: no 2 s "minute" and no 20 s "hour" held more writes than allowed, and the limiter
    // was what held them back (the fullest minute came close to the limit).
    const log = github.requestLog;
    const perMinute = maxWritesInWindow(log, world.installationId, limits.minuteMs);
    const perHour = maxWritesInWindow(log, world.installationId, limits.hourMs);
    expect(perMinute).toBeLessThanOrEqual(limits.perMinute);
    expect(perHour).toBeLessThanOrEqual(limits.perHour);
    expect(perMinute).toBeGreaterThanOrEqual(limits.perMinute * 0.75);
    const injected = log.filter((entry) => entry.outcome === "injected-fault");
    expect(injected.filter((entry) => entry.status === 502)).toHaveLength(11);
    expect(injected.filter((entry) => entry.status === 403)).toHaveLength(3);
    expect(github.unhandledRequests()).toEqual([]);

    // Coalescing: far fewer check run writes than changes.
    const checkRunWrites = log.filter(
      (entry) => entry.path.startsWith(checkRunsPath) && entry.method !== "GET",
    );
    expect(checkRunWrites.length).toBeLessThan((progressChanges + 2 * allAgents.length) / 2);

    // Every check run: exactly one per agent, in its true final state, last written last.
    const checkRuns = github.checkRuns(worldOwner, worldRepo);
    let progressShown = 0;
    expect(checkRuns).toHaveLength(allAgents.length);
    allAgents.forEach((agent, index) => {
      const matching = checkRuns.filter((run) => run.external_id === agent.id);
      expect(matching, agent.id).toHaveLength(1);
      const [checkRun] = matching;
      expect(checkRun?.status, agent.id).toBe("completed");
      expect(checkRun?.conclusion, agent.id).toBe(finalFor(index).conclusion);
      expect(checkRun?.output.text, agent.id).toContain(`ended ${finalFor(index).state}`);
      const history = github.checkRunHistory(checkRun?.id ?? 0);
      if (history.some((event) => event.checkRun.status === "in_progress")) progressShown += 1;
      const last = history.at(-1);
      expect(last?.checkRun.status, agent.id).toBe("completed");
      expect(last?.checkRun.conclusion, agent.id).toBe(finalFor(index).conclusion);
    });

    // Progress was written too, not only creations and final states.
    expect(progressShown).toBeGreaterThan(0);

    // One tracking comment per run, showing every agent's final state.
    for (const run of runs) {
      const comments = github
        .comments(worldOwner, worldRepo, run.issueNumber)
        .filter((comment) => comment.body?.includes(trackingCommentMarker(run.runId)));
      expect(comments, run.runId).toHaveLength(1);
      const body = comments[0]?.body ?? "";
      run.agentIds.forEach((agentId) => {
        const index = allAgents.findIndex((agent) => agent.id === agentId);
        const name = agentId.split("/")[1];
        expect(body, agentId).toContain(`| \`${name}\` | ${stateLabels[finalFor(index).state]} |`);
      });
    }
  }, 90_000);
});
