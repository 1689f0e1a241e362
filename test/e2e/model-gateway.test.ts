// The model gateway for real: a running Flotilla whose agents (the real CLI) reach the scripted
// model only through the worker's gateway. An agent that dumps its environment finds no secret
// in it, and its token dies with it; an agent that keeps spending is stopped when its next call
// would not fit what is left of its budget, its work pushed and its check run asking for more.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BudgetStore } from "../../src/store/budget-store.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { testAppCredentials } from "../support/app-credentials.ts";
import { FakeGitHub, probotEnvFor } from "../support/fake-github.ts";
import { type RunningFlotilla, removeDataDir, startFlotillaProcess } from "../support/flotilla-process.ts";
import { type BareRemote, createBareRemote } from "../support/git-fixtures.ts";
import { GitHttpServer } from "../support/git-http-server.ts";
import { waitForAgentJobDone } from "../support/quiet-flotilla.ts";
import { type RecordedRequest, ScriptedModel } from "../support/scripted-model.ts";
import { testRedisUrl, useTestRedis } from "../support/test-redis.ts";
import { waitFor } from "../support/wait-for.ts";
import { issueCommentCreated, postWebhook } from "../support/webhooks.ts";

const owner = "octo-org";
const repo = "gateway-demo";
const installationId = 5151;
const realKey = "sk-ant-api03-E2E-REAL-UPSTREAM-KEY-must-never-reach-an-agent";
const hogInputTokens = 800;
const hogOutputTokens = 40;

let remote: BareRemote;
let github: FakeGitHub;
let gitServer: GitHttpServer;
let cloneUrl: string;
let model: ScriptedModel;
let flotilla: RunningFlotilla;
const credentials = testAppCredentials();
// Keys of this file's own, removed (and the connection closed) after its last test.
const { redis, prefix, keys } = useTestRedis();
const budgets = new BudgetStore(redis, keys);
const runs = new RunStore(redis, keys);

beforeAll(async () => {
  remote = await createBareRemote({ files: { "README.md": "# gateway demo\n" } });
  github = new FakeGitHub({ appId: credentials.appId, privateKey: credentials.privateKey, installationId });
  await github.start();
  gitServer = new GitHttpServer(github);
  await gitServer.start();
  cloneUrl = gitServer.serve(owner, repo, remote.bareDir);
  github.addRepository({ owner, repo, cloneUrl, gitDir: remote.bareDir, installationId });
  await github.addPullRequest({ owner, repo, number: 3, head: { ref: "main" }, base: { ref: "main" } });
  github.setPermission("alice", "write");

  model = new ScriptedModel();
  model.script("env-dump", ({ step, cwd }) =>
    step === 0
      ? {
          toolCalls: [
            { name: "Bash", input: { command: `env > ${cwd}/ENV_DUMP.txt`, description: "dump env" } },
          ],
        }
      : { text: "Wrote my environment to ENV_DUMP.txt." },
  );
  model.script("budget-hog", ({ step, cwd }) => ({
    toolCalls: [
      {
        name: "Bash",
        input: { command: `echo "step ${step}" >> ${cwd}/PROGRESS.md`, description: "record progress" },
      },
    ],
    inputTokens: hogInputTokens,
    outputTokens: hogOutputTokens,
  }));
  await model.start();

  flotilla = await startFlotillaProcess({
    env: {
      ...probotEnvFor(github, credentials),
      REDIS_URL: testRedisUrl,
      FLOTILLA_REDIS_PREFIX: prefix,
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: realKey,
      REPORT_MIN_INTERVAL_MS: "500",
    },
  });
});

afterAll(async () => {
  await flotilla?.stop();
  await model?.stop();
  await gitServer?.stop();
  await remote?.cleanup();
  if (flotilla !== undefined) await removeDataDir(flotilla.dataDir);
  // Last: it fails the file when Flotilla sent GitHub what GitHub would refuse.
  await github?.stop();
});

async function runAgent(command: string) {
  const delivery = issueCommentCreated({
    owner,
    repo,
    cloneUrl,
    installationId,
    issueNumber: 3,
    isPullRequest: true,
    body: command,
    login: "alice",
    userType: "User",
  });
  expect(
    (await postWebhook(`${flotilla.url}/api/github/webhooks`, delivery, credentials.webhookSecret)).status,
  ).toBe(200);
}

async function completedCheckRun(taskWord: string) {
  return waitFor(
    () =>
      github.checkRuns(owner, repo).find((run) => run.status === "completed" && run.name.includes(taskWord)),
    { timeoutMs: 90_000, what: `the ${taskWord} agent's check run to complete` },
  );
}

async function branchOf(taskWord: string): Promise<string> {
  const branch = (await remote.branches()).find((name) => name.includes(taskWord));
  if (branch === undefined)
    throw new Error(`no branch for ${taskWord}: ${(await remote.branches()).join(", ")}`);
  return branch;
}

/** What the gateway charges for one answer of the scripted model. */
function chargeOf(request: RecordedRequest): number {
  return (request.body.tools ?? []).length > 0 ? hogInputTokens + hogOutputTokens : 100 + 20;
}

describe("model gateway: no secret reaches an agent", () => {
  it("gives the agent only a flt_ token for a loopback gateway, and the token dies with the agent", async () => {
    await runAgent("/agents run [[script:env-dump]] dumpenv of the agent");
    const checkRun = await completedCheckRun("dumpenv");
    expect(checkRun.conclusion).toBe("success");
    const dump = (await remote.readFile(await branchOf("dumpenv"), "ENV_DUMP.txt")) ?? "";

    const agentKey = /^ANTHROPIC_API_KEY=(.*)$/m.exec(dump)?.[1];
    const agentBaseUrl = /^ANTHROPIC_BASE_URL=(.*)$/m.exec(dump)?.[1];
    expect(agentKey).toMatch(/^flt_[\w-]{43}$/);
    expect(agentBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(agentBaseUrl).not.toBe(model.url);

    expect(dump).not.toContain(realKey);
    expect(dump).not.toContain(model.url);
    expect(dump).not.toContain("PRIVATE KEY");
    const keyBody = credentials.privateKey.split("\n").filter((line) => line.length > 40);
    for (const line of keyBody) expect(dump).not.toContain(line);
    expect(dump).not.toContain(credentials.webhookSecret);
    expect(dump).not.toMatch(/REDIS|redis:\/\//);
    expect(dump).not.toContain("ghs_");
    expect(dump).not.toMatch(/^(APP_ID|PRIVATE_KEY|WEBHOOK_SECRET|GHE_HOST|CLAUDE_CODE_OAUTH_TOKEN)=/m);

    // Upstream saw the real key on every call, and never the agent's token.
    const calls = model.requestsFor("env-dump");
    expect(calls.length).toBeGreaterThanOrEqual(2);
    for (const call of calls) expect(call.apiKey).toBe(realKey);

    // The agent has ended: its token is worthless now.
    const afterwards = await fetch(`${agentBaseUrl}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": agentKey ?? "", "content-type": "application/json" },
      body: JSON.stringify({
        model: "claude-opus-4-7",
        max_tokens: 10,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    expect(afterwards.status).toBe(401);
    expect(model.requestsFor("env-dump")).toHaveLength(calls.length);
  });
});

describe("model gateway: budgets", () => {
  it("stops an agent when its next call would not fit its budget, keeps its work, and offers to continue", async () => {
    const budget = 2_000;
    await runAgent("/agents run --budget 2k [[script:budget-hog]] hogger keeps calling tools");
    const checkRun = await completedCheckRun("hogger");
    expect(checkRun.conclusion).toBe("action_required");
    expect(checkRun.output.title).toMatch(/^Out of budget: spent/);
    const actions = github.checkRunHistory(checkRun.id).at(-1)?.actions ?? [];
    expect(actions.find((action) => action.identifier === "continue")?.label).toBe("Continue");

    // Every model call that reached upstream was charged exactly, and together they stay within
    // the budget, with too little left for one more call.
    const calls = model.requestsFor("budget-hog");
    const charges = calls.map(chargeOf);
    const total = charges.reduce((sum, charge) => sum + charge, 0);
    const [agent] = await runs.listRunAgents((await branchOf("hogger")).split("/")[1]!);
    const snapshot = (await budgets.snapshot(agent!.id))!;
    expect(snapshot.budgetTokens).toBe(budget);
    expect(snapshot.spentTokens).toBe(total);
    expect(total).toBeLessThanOrEqual(budget);
    expect(budget - total).toBeLessThan(hogInputTokens + 256);
    expect(snapshot.reservedTokens).toBe(0);
    expect((await runs.requireAgent(agent!.id)).state).toBe("out_of_budget");

    // The CLI's requests are larger than the budget, so the gateway asked count_tokens for their
    // exact input, and lowered each call's max_tokens (the CLI asks for tens of thousands) to
    // what was left after it.
    expect(
      model.countRequests.filter((request) => request.scriptName === "budget-hog").length,
    ).toBeGreaterThan(calls.length);
    let spentBefore = 0;
    for (const [index, call] of calls.entries()) {
      expect(call.body.max_tokens).toBe(budget - spentBefore - hogInputTokens);
      spentBefore += charges[index]!;
    }

    // Its work so far is on its branch.
    const progress = (await remote.readFile(await branchOf("hogger"), "PROGRESS.md")) ?? "";
    expect(progress).toContain("step 0");
    expect(progress).toContain("step 1");

    // Nothing more reaches upstream for it afterwards (its CLI has exited once its job is done).
    await waitForAgentJobDone(redis, prefix, agent!.id);
    expect(model.requestsFor("budget-hog")).toHaveLength(calls.length);
  });
});
