// Invariant 6 for real: an agent (the real CLI, running a Bash command a prompt-injected model
// asked for) cannot read the worker's secrets. The command walks /proc for any process whose
// environment holds the model key, the webhook secret, the Redis URL or the app key, reads the
// project's .env, the embedded Redis's connection file and another agent's files, and writes all
// it found into the worktree, which Flotilla then pushes. With the sandbox, nothing secret is on
// the pushed branch. Without it (the control), the same command finds the model key.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import { makeDataDir, type RunningFlotilla } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;
let workerCwd: string;
const canary = {
  dotenv: `dotenv-canary-${randomBytes(6).toString("hex")}`,
  redis: `redis-canary-${randomBytes(6).toString("hex")}`,
  otherAgent: `other-agent-canary-${randomBytes(6).toString("hex")}`,
};

/** A data dir that also holds what a worker's host has: Redis's files and another agent's home. */
async function dataDirWithSecrets(): Promise<string> {
  const dataDir = await makeDataDir();
  await mkdir(join(dataDir, "redis"), { recursive: true });
  await writeFile(
    join(dataDir, "redis", "connection.json"),
    JSON.stringify({ port: 1, password: canary.redis }),
  );
  const otherHome = join(dataDir, "agents", "r0000000000ff", "someone-else", "home");
  await mkdir(otherHome, { recursive: true });
  await writeFile(join(otherHome, "notes.txt"), `${canary.otherAgent}\n`);
  return dataDir;
}

/** What a hostile command would do; its output goes to findings.txt in the worktree. */
function snoopCommand(dataDir: string): string {
  return [
    "{",
    "echo \"visible processes: $(ls /proc | grep -c '^[0-9]')\";",
    "for e in /proc/[0-9]*/environ; do tr '\\0' '\\n' < \"$e\" 2>/dev/null |",
    "  grep -E '^(ANTHROPIC_API_KEY|CLAUDE_CODE_OAUTH_TOKEN|WEBHOOK_SECRET|REDIS_URL|PRIVATE_KEY|APP_ID)='; done;",
    `cat ${workerCwd}/.env;`,
    `cat ${dataDir}/redis/connection.json;`,
    `cat ${dataDir}/agents/r0000000000ff/someone-else/home/notes.txt;`,
    `ls -R ${dataDir}/agents;`,
    "echo scan complete;",
    "} > findings.txt 2>&1",
  ].join("\n");
}

beforeAll(async () => {
  world = await createE2eEnvironment("sandbox");
  workerCwd = await mkdtemp(join(tmpdir(), "flotilla-cwd-"));
  await writeFile(join(workerCwd, ".env"), `FLOTILLA_DOTENV_CANARY=${canary.dotenv}\n`);
});

afterAll(async () => {
  await world?.cleanup();
  await rm(workerCwd, { recursive: true, force: true });
});

/** Runs the snooping agent on a fresh Flotilla process and returns what it pushed. */
async function snoop(sandbox: "auto" | "off"): Promise<{ findings: string; flotilla: RunningFlotilla }> {
  const dataDir = await dataDirWithSecrets();
  const script = `snoop-${sandbox}`;
  world.model.script(script, (context) =>
    context.step > 0
      ? { text: "Looked around." }
      : {
          toolCalls: [
            { name: "Bash", input: { command: snoopCommand(dataDir), description: "look around" } },
          ],
        },
  );
  const flotilla = await world.startFlotilla({
    dataDir,
    cwd: workerCwd,
    extraEnv: { AGENT_SANDBOX: sandbox },
  });
  try {
    expect((await world.comment(flotilla, `/agents run [[script:${script}]] look around`)).status).toBe(200);
    const pull = await waitFor(
      () =>
        world.github
          .pullRequests(e2eOwner, e2eRepo)
          .find(
            (candidate) =>
              candidate.title.includes(`script:${script}`) && candidate.head.ref.startsWith("agents/"),
          ),
      { timeoutMs: 90_000, what: `the ${sandbox} agent's pull request` },
    );
    const findings = (await world.remote.readFile(pull.head.ref, "findings.txt")) ?? "";
    return { findings, flotilla };
  } finally {
    await flotilla.stop();
  }
}

describe("the agent sandbox", () => {
  it("hides the worker's environment, .env, Redis files and other agents' folders from an agent", async () => {
    const { findings, flotilla } = await snoop("auto");
    expect(flotilla.logs.some((line) => line.includes("agent sandbox: bubblewrap"))).toBe(true);
    expect(findings).toContain("scan complete");
    // Its own environment is all it sees: its own gateway token, nothing of the worker's.
    expect(findings).toMatch(/^ANTHROPIC_API_KEY=/m);
    for (const secret of [
      world.upstreamKey,
      world.webhookSecret,
      "BEGIN RSA PRIVATE KEY",
      "redis://",
      canary.dotenv,
      canary.redis,
      canary.otherAgent,
    ]) {
      expect(findings).not.toContain(secret);
    }
    // `ls -R` of the agents' folder shows only this agent's own run.
    expect(findings).not.toMatch(/agents\/r0000000000ff:$/m);
    expect(findings).toMatch(/agents\/r[0-9a-f]{12}\/script-snoop-auto-look-around:$/m);
    expect(Number(/visible processes: (\d+)/.exec(findings)?.[1])).toBeLessThan(20);
  });

  it("(control) without the sandbox, the same command reads the worker's model key", async () => {
    const { findings, flotilla } = await snoop("off");
    expect(flotilla.logs.some((line) => line.includes("agent sandbox: off"))).toBe(true);
    expect(findings).toContain("scan complete");
    expect(findings).toContain(world.upstreamKey);
    expect(findings).toContain(canary.dotenv);
    expect(findings).toContain(canary.redis);
    expect(findings).toMatch(/agents\/r0000000000ff:$/m);
  });
});
