// GitHub's own controls and lifecycle, as a user meets them without reading the README, against
// the strict stand-in GitHub with signed deliveries built from @octokit/webhooks-examples:
// "Re-run" on a check run retries the agent under a new check run; closing an agent's own pull
// request unmerged lets its branch go after AGENT_BRANCH_RETENTION_HOURS (a merged one keeps
// it); closing or merging the pull request a run works on cancels its agents and the tracking
// comment says which; removing the app from the repository, or uninstalling it, cancels and
// forgets the runs.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentRecord } from "../../src/store/records.ts";
import { agentNameOf, writeFile } from "../support/agent-scripts.ts";
import { commandsRunning } from "../support/commands-running.ts";
import {
  createE2eEnvironment,
  type E2eEnvironment,
  e2eHeadBranch,
  e2eInstallationId,
  e2eOwner,
  e2ePullNumber,
  e2eRepo,
} from "../support/e2e-environment.ts";
import type { RunningFlotilla } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";
import {
  checkRunRerequested,
  installationDeleted,
  installationRepositoriesRemoved,
  pullRequestChanged,
} from "../support/webhooks.ts";

let world: E2eEnvironment;
let web: RunningFlotilla;
let worker: RunningFlotilla;

const target = () => ({
  owner: e2eOwner,
  repo: e2eRepo,
  cloneUrl: world.cloneUrl,
  installationId: e2eInstallationId,
});

const sleepersRunning = () => commandsRunning("sleep 600", worker.dataDir);

async function runAgents(
  body: string,
  issueNumber = e2ePullNumber,
  isPullRequest = true,
): Promise<AgentRecord[]> {
  const before = await world.store.runIdsForIssue(e2eOwner, e2eRepo, issueNumber);
  await world.comment(web, body, { issueNumber, isPullRequest });
  const runId = await waitFor(
    async () =>
      (await world.store.runIdsForIssue(e2eOwner, e2eRepo, issueNumber)).find((id) => !before.includes(id)),
    { what: "the new run" },
  );
  return world.store.listRunAgents(runId);
}

async function agentsEnded(runId: string, state: string): Promise<AgentRecord[]> {
  return waitFor(
    async () => {
      const agents = await world.store.listRunAgents(runId);
      return agents.every((agent) => agent.state === state) ? agents : undefined;
    },
    {
      timeoutMs: 90_000,
      what: `the run's agents to end ${state}`,
      describe: async () =>
        JSON.stringify(
          (await world.store.listRunAgents(runId)).map((a) => [a.name, a.state, a.currentStep, a.error]),
        ),
    },
  );
}

beforeAll(async () => {
  world = await createE2eEnvironment("lifecycle");
  world.model.script("writer", (context) =>
    existsSync(`${context.hostCwd}/${agentNameOf(context)}.md`)
      ? { text: "Done." }
      : writeFile(context, `${agentNameOf(context)}.md`, "written\n"),
  );
  world.model.script("sleeper", (context) =>
    context.step === 0
      ? {
          toolCalls: [
            { name: "Bash", input: { command: "sleep 600", timeout: 600_000, description: "long job" } },
          ],
        }
      : { text: "Woke up." },
  );
  web = await world.startFlotilla({ role: "web" });
  worker = await world.startFlotilla({ role: "worker", extraEnv: { WORKER_CONCURRENCY: "2" } });
});

afterAll(() => world?.cleanup());

describe("GitHub's own controls and lifecycle", () => {
  let alpha: AgentRecord;
  let beta: AgentRecord;

  it("retries an agent from GitHub's Re-run link under a new check run, in progress and then final", async () => {
    const started = await runAgents("/agents run\n- [[script:writer]] alpha\n- [[script:writer]] beta");
    const runId = started[0]?.runId ?? "";
    [alpha, beta] = (await agentsEnded(runId, "succeeded")) as [AgentRecord, AgentRecord];
    const first = await waitFor(
      () =>
        world.github
          .checkRuns(e2eOwner, e2eRepo)
          .find((run) => run.external_id === alpha.id && run.conclusion === "success"),
      { what: "alpha's check run to succeed" },
    );
    const status = await world.deliver(
      web,
      checkRunRerequested({
        ...target(),
        checkRunId: first.id,
        externalId: alpha.id,
        headSha: first.head_sha,
        checkName: first.name,
        login: "alice",
      }),
    );
    expect(status).toBe(200);
    const rerun = await waitFor(
      () =>
        world.github
          .checkRuns(e2eOwner, e2eRepo)
          .find((run) => run.external_id === alpha.id && run.id !== first.id && run.conclusion === "success"),
      { timeoutMs: 90_000, what: "alpha's new check run to succeed after Re-run" },
    );
    const states = world.github.checkRunHistory(rerun.id).map((event) => event.checkRun.status);
    expect(states).toContain("in_progress");
    expect(states.indexOf("in_progress")).toBeLessThan(states.indexOf("completed"));
    expect(rerun.name).toBe(first.name);
    // The first keeps its outcome (the stand-in fails the file on any reopened check run).
    expect(world.github.checkRunHistory(first.id).at(-1)?.checkRun.conclusion).toBe("success");
    const agent = await world.store.requireAgent(alpha.id);
    expect(agent.generation).toBe(1);
    expect(agent.checkRunId).toBe(rerun.id);

    // A Re-run from someone without the permission does nothing.
    world.github.setPermission("mallory", "read");
    await world.deliver(
      web,
      checkRunRerequested({
        ...target(),
        checkRunId: rerun.id,
        externalId: alpha.id,
        headSha: rerun.head_sha,
        login: "mallory",
      }),
    );
    await waitFor(() => web.logs.find((line) => line.includes("not allowed to control agents")), {
      what: "the refusal of mallory's Re-run",
    });
    expect((await world.store.requireAgent(alpha.id)).generation).toBe(1);
  });

  it("deletes an agent's branch after the retention time once its pull request was closed unmerged; a merged one keeps it", async () => {
    const [alphaNow, betaNow] = [
      await world.store.requireAgent(alpha.id),
      await world.store.requireAgent(beta.id),
    ];
    for (const [agent, merged] of [
      [alphaNow, false],
      [betaNow, true],
    ] as const) {
      const number = agent.pullRequestNumber ?? 0;
      expect(number).toBeGreaterThan(0);
      const pull = world.github.closePullRequest(e2eOwner, e2eRepo, number, { merged });
      expect(
        await world.deliver(
          web,
          pullRequestChanged("closed", { ...target(), number, ...pull, merged, login: "alice" }),
        ),
      ).toBe(200);
    }
    await waitFor(
      async () =>
        (await world.redis.zscore(world.store.keys.closedAgentBranches(), alpha.id)) === null
          ? undefined
          : true,
      { what: "alpha's closed pull request to be noted" },
    );
    expect(await world.redis.zscore(world.store.keys.closedAgentBranches(), beta.id)).toBeNull();
    // Reopened, the branch stays; closed again, it goes after the retention time.
    const alphaPull = {
      ...target(),
      number: alphaNow.pullRequestNumber ?? 0,
      headRef: alphaNow.branch,
      headSha: await world.remote.headSha(alphaNow.branch),
      login: "alice",
    };
    expect(await world.deliver(web, pullRequestChanged("reopened", alphaPull))).toBe(200);
    await waitFor(
      async () =>
        (await world.redis.zscore(world.store.keys.closedAgentBranches(), alpha.id)) === null
          ? true
          : undefined,
      { what: "alpha's reopened pull request to keep its branch" },
    );
    expect(await world.deliver(web, pullRequestChanged("closed", alphaPull))).toBe(200);
    await waitFor(
      async () =>
        (await world.redis.zscore(world.store.keys.closedAgentBranches(), alpha.id)) === null
          ? undefined
          : true,
      { what: "alpha's pull request, closed again, to be noted" },
    );
    // The web process here keeps branches for 24 h; one that keeps them for 0 h sweeps at start.
    expect(await world.remote.branches()).toContain(alpha.branch);
    await world.startFlotilla({ role: "web", extraEnv: { AGENT_BRANCH_RETENTION_HOURS: "0" } });
    await waitFor(async () => ((await world.remote.branches()).includes(alpha.branch) ? undefined : true), {
      what: "alpha's branch to be deleted",
    });
    expect(await world.remote.branches()).toContain(beta.branch);
    expect(await world.redis.zscore(world.store.keys.closedAgentBranches(), alpha.id)).toBeNull();
  });

  it.each([
    { how: "closed", merged: false },
    { how: "merged", merged: true },
  ])(
    "cancels the agents of a run whose pull request is $how, and says so in its tracking comment",
    async ({ how, merged }) => {
      // A pull request of its own: the one before is closed by now.
      const number = await world.github.addPullRequest({
        owner: e2eOwner,
        repo: e2eRepo,
        head: { ref: e2eHeadBranch },
        base: { ref: "main" },
      });
      const [sleeper] = await runAgents("/agents run [[script:sleeper]] a long job", number);
      if (sleeper === undefined) throw new Error("expected an agent");
      await waitFor(async () => ((await sleepersRunning()) === 1 ? true : undefined), {
        timeoutMs: 60_000,
        what: "the agent to start `sleep 600`",
      });
      const pull = world.github.closePullRequest(e2eOwner, e2eRepo, number, { merged });
      expect(
        await world.deliver(
          web,
          pullRequestChanged("closed", { ...target(), number, ...pull, merged, login: "alice" }),
        ),
      ).toBe(200);
      await agentsEnded(sleeper.runId, "cancelled");
      await waitFor(async () => ((await sleepersRunning()) === 0 ? true : undefined), {
        what: "`sleep 600` to stop",
      });
      const trackingComment = () =>
        world.github
          .comments(e2eOwner, e2eRepo, number)
          .find((comment) => comment.body?.includes(`flotilla:run:${sleeper.runId}`));
      const tracking = await waitFor(
        () => {
          const body = trackingComment()?.body ?? "";
          return body.includes(`Pull request #${number} was ${how}, so Flotilla cancelled the 1 agent`) &&
            body.includes("🚫 cancelled")
            ? { body }
            : undefined;
        },
        {
          what: `the tracking comment to say the pull request was ${how}`,
          describe: async () => trackingComment()?.body ?? "no tracking comment",
        },
      );
      expect(tracking.body).toContain("Their work so far stays on their branches");
      await waitFor(
        () =>
          world.github
            .checkRuns(e2eOwner, e2eRepo)
            .find((checkRun) => checkRun.external_id === sleeper.id && checkRun.conclusion === "cancelled"),
        { what: "the agent's check run to say cancelled" },
      );
    },
  );

  it("cancels and forgets the runs of a repository removed from the installation, and of an uninstalled app", async () => {
    for (const [index, removal] of [
      installationRepositoriesRemoved({
        installationId: e2eInstallationId,
        repositories: [{ owner: e2eOwner, repo: e2eRepo }],
      }),
      installationDeleted({
        installationId: e2eInstallationId,
        repositories: [{ owner: e2eOwner, repo: e2eRepo }],
      }),
    ].entries()) {
      const issueNumber = world.github.addIssue({ owner: e2eOwner, repo: e2eRepo, title: `issue ${index}` });
      const [sleeper] = await runAgents("/agents run [[script:sleeper]] a long job", issueNumber, false);
      if (sleeper === undefined) throw new Error("expected an agent");
      await waitFor(async () => ((await sleepersRunning()) === 1 ? true : undefined), {
        timeoutMs: 60_000,
        what: "the agent to start `sleep 600`",
      });
      expect(await world.deliver(web, removal)).toBe(200);
      await waitFor(async () => ((await sleepersRunning()) === 0 ? true : undefined), {
        what: `\`sleep 600\` to stop after ${removal.name}`,
      });
      // Forgotten: no command or page finds the run; its records expire once the agent stopped.
      expect(await world.store.runIdsForIssue(e2eOwner, e2eRepo, issueNumber)).toEqual([]);
      expect(await world.store.recentRunIds(100)).not.toContain(sleeper.runId);
      expect(await world.store.runIdsForInstallation(e2eInstallationId)).not.toContain(sleeper.runId);
      expect(await world.redis.ttl(world.store.keys.run(sleeper.runId))).toBeGreaterThan(0);
      expect(await world.redis.ttl(world.store.keys.agent(sleeper.id))).toBeGreaterThan(0);
      await world.comment(web, "/agents status", { issueNumber, isPullRequest: false });
      await waitFor(
        () =>
          world.github
            .comments(e2eOwner, e2eRepo, issueNumber)
            .find((comment) => comment.body?.includes("no agents have run here yet") === true),
        { what: "`/agents status` to know no run here" },
      );
    }
  });
});
