// GitHub's size limits, end to end through the reporter into the fake GitHub (which answers 422
// past them, as GitHub does): an agent's long answer in multi-byte characters fits the check
// run's 65,535 bytes, a run of 520 agents fits the tracking comment's 65,536 characters, and
// each cut text says so and links the page that has all of it. A pull request keeps its
// "Fixes #N" footer however long the agent's summary is.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { targetsShowingAgent } from "../../src/reporter/report-targets.ts";
import { renderPullRequest } from "../../src/reporter/views/pull-request-view.ts";
import { openFence } from "../../src/reporter/views/text-limits.ts";
import { createReporterWorld, type ReporterWorld, worldOwner, worldRepo } from "../support/reporter-world.ts";

const agentPageUrl = (id: string) => `https://flotilla.example/agents/${id}?exp=1&sig=test`;
const runPageUrl = (id: string) => `https://flotilla.example/runs/${id}?exp=1&sig=test`;
const generous = { perMinute: 10_000, perHour: 100_000 };

let world: ReporterWorld;

beforeAll(async () => {
  world = await createReporterWorld();
});
afterAll(() => world?.cleanup());

describe("size limits", () => {
  it("cuts a long multi-byte answer to the check run's byte limit, fences closed, with a link", async () => {
    const { agentIds, issueNumber } = await world.createRun("rsizeone", 1);
    const [agentId = ""] = agentIds;
    // 40,000 characters, 120,000 bytes, inside a code block that the cut falls into.
    await world.store.saveResult(
      agentId,
      `Here is the log:\n\n\`\`\`text\n${"失败的测试\n".repeat(8_000)}\`\`\`\nDone.`,
    );
    await world.store.updateAgent(agentId, { state: "failed", endedAt: Date.now(), error: "tests failed" });
    const reporter = world.createReporter({
      limits: generous,
      minIntervalMs: 100,
      links: { agentPage: (agent) => agentPageUrl(agent.id), runPage: (run) => runPageUrl(run.id) },
    });
    await reporter.changed(targetsShowingAgent({ id: agentId, runId: "rsizeone" }), { urgent: true });
    expect(await reporter.drain(20_000)).toBe(true);

    const [checkRun] = world.github
      .checkRuns(worldOwner, worldRepo)
      .filter((run) => run.external_id === agentId);
    expect(checkRun?.conclusion).toBe("failure");
    expect(checkRun?.details_url).toBe(agentPageUrl(agentId));
    const text = checkRun?.output.text ?? "";
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(65_535);
    expect(Buffer.byteLength(text)).toBeGreaterThan(60_000);
    expect(openFence(text)).toBeUndefined();
    expect(text).toContain(`[Read all of it on Flotilla](${agentPageUrl(agentId)})`);
    expect(world.github.requestLog.filter((entry) => entry.status === 422)).toEqual([]);
    const comment = world.github.comments(worldOwner, worldRepo, issueNumber)[0];
    expect(comment?.body).toContain(`[Live view](${runPageUrl("rsizeone")})`);
  });

  it("cuts the tracking comment of a run of 520 agents to 65,536 characters, with the run page link", async () => {
    const runId = "rsizemany";
    const { agentIds, issueNumber } = await world.createRun(runId, 520);
    await Promise.all(
      agentIds.map((agentId) =>
        world.store.updateAgent(agentId, {
          state: "succeeded",
          endedAt: Date.now(),
          currentStep: `summarising what changed in module ${agentId} and why — ${"détails ".repeat(12)}`,
        }),
      ),
    );
    const reporter = world.createReporter({
      limits: generous,
      minIntervalMs: 100,
      links: { agentPage: (agent) => agentPageUrl(agent.id), runPage: (run) => runPageUrl(run.id) },
    });
    await reporter.changed([{ kind: "comment", runId }], { urgent: true });
    expect(await reporter.drain(20_000)).toBe(true);
    expect(world.github.comments(worldOwner, worldRepo, issueNumber)).toHaveLength(1);
    const body = world.github.comments(worldOwner, worldRepo, issueNumber)[0]?.body ?? "";
    expect([...body].length).toBeLessThanOrEqual(65_536);
    expect(body.length).toBeGreaterThan(60_000);
    expect(body).toContain(`[Read all of it on Flotilla](${runPageUrl(runId)})`);
    expect(body).toContain(`<!-- flotilla:run:${runId} -->`);
    expect(world.github.requestLog.filter((entry) => entry.status === 422)).toEqual([]);
  });

  it("keeps a pull request's footer when the agent's summary is too long", async () => {
    const runId = "rsizepull";
    const { agentIds } = await world.createRun(runId, 1);
    const run = await world.store.requireRun(runId);
    const agent = await world.store.requireAgent(agentIds[0] ?? "");
    const pull = renderPullRequest({
      run,
      agent,
      base: "main",
      summary: "Changed everything.\n".repeat(10_000),
      agentPageUrl: agentPageUrl(agent.id),
    });
    expect(pull.body.length).toBeLessThanOrEqual(65_536);
    expect(pull.body).toContain(`[Read all of it on Flotilla](${agentPageUrl(agent.id)})`);
    expect(pull.body.endsWith(`Fixes #${run.issueNumber}`)).toBe(true);
  });
});
