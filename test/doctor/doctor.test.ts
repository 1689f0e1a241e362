// `./flotilla doctor`: one table, every check ok on a machine that has what Flotilla needs, and
// each check failing (with its fix) when what it checks is missing or wrong; `./flotilla start`
// refuses on the same failures, in the same words.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.ts";
import { updateEnvFile } from "../../src/config/env-file.ts";
import { startChecks } from "../../src/doctor/all-checks.ts";
import { type CheckContext, type MachineReadings, runChecks } from "../../src/doctor/check.ts";
import { dataDirCheck } from "../../src/doctor/checks/data-dir.ts";
import { nodeVersionCheck } from "../../src/doctor/checks/node-version.ts";
import { formatRefusal, formatTable } from "../../src/doctor/format-results.ts";
import { testAppCredentials } from "../support/app-credentials.ts";
import { FakeGitHub } from "../support/fake-github.ts";
import { freePort } from "../support/flotilla-process.ts";
import { mainEntryPath, projectRoot } from "../support/paths.ts";
import { ScriptedModel } from "../support/scripted-model.ts";
import { testRedisUrl } from "../support/test-redis.ts";
import { UpstreamStub } from "../support/upstream-stub.ts";

const doctorPath = join(projectRoot, "src", "doctor.ts");
const credentials = testAppCredentials();
let scratch: string;
let github: FakeGitHub;
let model: ScriptedModel;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "flotilla-doctor-"));
  github = new FakeGitHub({ appId: credentials.appId, privateKey: credentials.privateKey });
  await github.start();
  model = new ScriptedModel();
  await model.start();
});

afterAll(async () => {
  await model.stop();
  await github.stop();
  await rm(scratch, { recursive: true, force: true });
});

function healthyEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    APP_ID: String(credentials.appId),
    PRIVATE_KEY: credentials.privateKey,
    WEBHOOK_SECRET: "doctor-webhook-secret-0123456789",
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    REDIS_URL: testRedisUrl,
    ANTHROPIC_API_KEY: "sk-ant-doctor",
    ANTHROPIC_BASE_URL: model.url,
    DATA_DIR: join(scratch, "data"),
  };
}

async function doctor(env: Record<string, string>, runner: readonly string[] = [], cwd = scratch) {
  const [file = process.execPath, ...prefix] = runner.length > 0 ? runner : [process.execPath];
  return execa(file, [...prefix, ...(runner.length > 0 ? [process.execPath] : []), doctorPath, "all"], {
    cwd,
    env,
    extendEnv: false,
    reject: false,
    timeout: 120_000,
  });
}

/** The table's row for a check, with the fix line under it when there is one. */
function row(output: string, name: string): string {
  const lines = output.split("\n");
  const index = lines.findIndex((line) => new RegExp(`^  (ok|WARN|FAIL) +${name} `).test(line));
  if (index < 0) throw new Error(`no row for ${name} in:\n${output}`);
  const next = lines[index + 1] ?? "";
  return /^\s+fix: /.test(next) ? `${lines[index]}\n${next}` : (lines[index] ?? "");
}

describe("./flotilla doctor", () => {
  it("passes every check on a machine with what Flotilla needs", async () => {
    const result = await doctor(healthyEnv());
    expect(result.stdout).toContain("Everything Flotilla needs is here.");
    for (const name of [
      "Node",
      "git",
      "Redis",
      "agent sandbox",
      "claude CLI",
      "model credentials",
      "GitHub App",
      "webhook secret",
      "data dir",
    ]) {
      expect(row(result.stdout, name)).toMatch(/^ {2}ok /);
    }
    expect(row(result.stdout, "GitHub App")).toContain(`APP_ID=${credentials.appId}`);
    expect(row(result.stdout, "model credentials")).toContain(`ANTHROPIC_API_KEY accepted by ${model.url}`);
    // The operator's signed link to the status page with the recent runs.
    expect(result.stdout).toMatch(
      /^Status page with the recent runs .*: http:\/\/localhost:3000\/\?exp=\d+&sig=[\w-]{43}$/m,
    );
    expect(result.exitCode).toBe(0);
  });

  it("fails each check that finds a problem, with its fix, and start refuses in the same words", async () => {
    const notADirectory = join(scratch, "a-file");
    await writeFile(notADirectory, "not a directory\n");
    const env = {
      ...healthyEnv(),
      // No git (nor anything else) on PATH; Node and the CLI are named by absolute paths.
      PATH: "/nonexistent",
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      CLAUDE_PATH: join(scratch, "no-claude"),
      ANTHROPIC_API_KEY: "",
      APP_ID: "999",
      WEBHOOK_SECRET: "",
      DATA_DIR: notADirectory,
    };
    const result = await doctor(env);
    expect(result.exitCode).toBe(1);
    const expected: Record<string, RegExp> = {
      git: /FAIL +git +git is not installed.*\n +fix: install git/,
      Redis:
        /FAIL +Redis +REDIS_URL=redis:\/\/127\.0\.0\.1:\d+ does not answer: .*ECONNREFUSED.*\n +fix: start Redis there/,
      "claude CLI": /FAIL +claude CLI +CLAUDE_PATH=.*no-claude does not run: .*\n +fix: run npm ci/,
      "model credentials":
        /FAIL +model credentials +neither ANTHROPIC_API_KEY nor CLAUDE_CODE_OAUTH_TOKEN is set.*\n +fix: set ANTHROPIC_API_KEY/,
      "GitHub App":
        /FAIL +GitHub App +.* refused APP_ID=999 with this private key \(401.*\n +fix: APP_ID and PRIVATE_KEY must be of the same app/,
      "webhook secret": /FAIL +webhook secret +WEBHOOK_SECRET is not set.*\n +fix: set WEBHOOK_SECRET/,
      "data dir": /FAIL +data dir +DATA_DIR=.*a-file is not writable: .*\n +fix: make it writable/,
    };
    for (const [name, pattern] of Object.entries(expected)) expect(row(result.stdout, name)).toMatch(pattern);
    expect(result.stdout).toContain("./flotilla start would refuse to start");

    const start = async (overrides: Record<string, string>) =>
      execa(process.execPath, [mainEntryPath, "all"], {
        cwd: scratch,
        env: { ...env, PORT: String(await freePort()), OPS_PORT: String(await freePort()), ...overrides },
        extendEnv: false,
        reject: false,
        timeout: 120_000,
      });
    // Start checks Redis first, before it loads anything slow, and refuses on it alone.
    const withoutRedis = await start({});
    expect(withoutRedis.exitCode).toBe(1);
    expect(withoutRedis.stderr).toContain("Flotilla cannot start: a check failed.");
    // (Its column is as wide as its one name: the same words, other spacing.)
    const words = (text: string) => text.replace(/ +/g, " ");
    expect(words(withoutRedis.stderr)).toContain(words(row(result.stdout, "Redis")));
    // With Redis there, it refuses on the other six.
    const withRedis = await start({ REDIS_URL: testRedisUrl });
    expect(withRedis.exitCode).toBe(1);
    expect(withRedis.stderr).toContain("Flotilla cannot start: 6 checks failed.");
    for (const name of Object.keys(expected).filter((name) => name !== "Redis"))
      expect(withRedis.stderr).toContain(row(result.stdout, name));
  });

  it("reads its settings from .env when the environment has none", async () => {
    const dir = join(scratch, "env-file");
    await mkdir(dir);
    const { PATH = "", HOME = "", ...settings } = healthyEnv();
    // Written the way the setup flow writes it (the private key's newlines as \n).
    updateEnvFile(join(dir, ".env"), { ...settings, DATA_DIR: join(dir, "data") });
    const result = await doctor({ PATH, HOME }, [], dir);
    expect(result.stdout).toContain(`settings from the environment and ${join(dir, ".env")}`);
    expect(row(result.stdout, "GitHub App")).toMatch(new RegExp(`^ {2}ok .*APP_ID=${credentials.appId}`));
    expect(row(result.stdout, "Redis")).toMatch(/^ {2}ok +Redis +Redis \S+ at redis:\/\//);
    expect(row(result.stdout, "model credentials")).toContain(`ANTHROPIC_API_KEY accepted by ${model.url}`);
    expect(row(result.stdout, "data dir")).toContain(join(dir, "data"));
    expect(result.stdout).toContain("Everything Flotilla needs is here.");
    expect(result.exitCode).toBe(0);
  });

  it("fails the git check on a git older than 2.31, with its fix", async () => {
    const bin = join(scratch, "old-git");
    await mkdir(bin);
    await writeFile(join(bin, "git"), "#!/bin/sh\necho 'git version 2.25.1'\n", { mode: 0o755 });
    const result = await doctor({ ...healthyEnv(), PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}` });
    expect(row(result.stdout, "git")).toMatch(
      /^ {2}FAIL +git +git version 2\.25\.1 is older than 2\.31\n +fix: install git 2\.31 or newer$/,
    );
    expect(result.exitCode).toBe(1);
  });

  it("fails the GitHub App check when no app is registered yet, saying how to register one", async () => {
    const { APP_ID, PRIVATE_KEY, ...withoutApp } = healthyEnv();
    const result = await doctor(withoutApp);
    expect(row(result.stdout, "GitHub App")).toMatch(
      /^ {2}FAIL +GitHub App +no GitHub App yet \(APP_ID and PRIVATE_KEY are not set\)\n +fix: run \.\/flotilla start and register the app/,
    );
    expect(result.stdout).toContain("./flotilla start would refuse to start");
    expect(result.exitCode).toBe(1);
  });

  it("fails the model check when the API refuses the key", async () => {
    const upstream = new UpstreamStub();
    await upstream.start();
    try {
      upstream.queue({
        status: 401,
        headers: { "content-type": "application/json" },
        body: '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}',
      });
      const result = await doctor({ ...healthyEnv(), ANTHROPIC_BASE_URL: upstream.url });
      expect(row(result.stdout, "model credentials")).toMatch(
        /FAIL +model credentials +.* refused ANTHROPIC_API_KEY \(401: invalid x-api-key\)\n +fix: /,
      );
      // The request went the agents' way: through the gateway, which put the real key on it.
      expect(upstream.requests[0]?.url).toBe("/v1/messages/count_tokens");
      expect(upstream.requests[0]?.headers["x-api-key"]).toBe("sk-ant-doctor");
      expect(result.exitCode).toBe(1);
    } finally {
      await upstream.stop();
    }
  });

  it("fails the sandbox check when this user may not make namespaces and AGENT_SANDBOX=namespaces", async () => {
    // bubblewrap's --disable-userns: inside, no further user namespace can be made, as on a
    // host that forbids them to unprivileged users.
    const result = await doctor({ ...healthyEnv(), AGENT_SANDBOX: "namespaces" }, [
      "bwrap",
      "--dev-bind",
      "/",
      "/",
      "--unshare-user",
      "--disable-userns",
      "--",
    ]);
    expect(row(result.stdout, "agent sandbox")).toMatch(
      /FAIL +agent sandbox +as uid \d+: AGENT_SANDBOX=namespaces, but/,
    );
    expect(result.exitCode).toBe(1);
  });
});

// What a test cannot change for real on this machine (the Node running the tests, the free space
// of a real disk) is handed to the checks as a reading; the rest of each check runs as usual.
describe("./flotilla doctor with other machine readings", () => {
  const context = (machine: Partial<MachineReadings>): CheckContext => {
    const config = loadConfig(healthyEnv());
    return { role: "all", config, credentials: undefined, env: healthyEnv(), machine };
  };

  it("fails the Node check on a Node older than 22.20, with its fix, and start refuses on it", async () => {
    const results = await runChecks([nodeVersionCheck], context({ nodeVersion: "22.12.0" }));
    expect(formatTable(results)).toMatch(
      /FAIL +Node +v22\.12\.0 is older than 22\.20\n +fix: install Node 22\.20 or newer/,
    );
    expect(startChecks("all")).toContain(nodeVersionCheck);
    expect(formatRefusal(results)).toContain("Flotilla cannot start: a check failed.");
    const current = await runChecks([nodeVersionCheck], context({ nodeVersion: "22.20.0" }));
    expect(current[0]?.status).toBe("ok");
  });

  it("fails the data dir check below 1 GiB free and warns below 5 GiB, with the fix", async () => {
    const asked: string[] = [];
    const freeBytes = (bytes: number) => async (path: string) => {
      asked.push(path);
      return bytes;
    };
    const full = await runChecks([dataDirCheck], context({ freeBytes: freeBytes(200 * 1024 ** 2) }));
    expect(formatTable(full)).toMatch(
      /FAIL +data dir +DATA_DIR=.*data has only 0\.2 GiB free\n +fix: free some space there, or set DATA_DIR/,
    );
    expect(asked).toEqual([join(scratch, "data")]);
    const low = await runChecks([dataDirCheck], context({ freeBytes: freeBytes(3 * 1024 ** 3) }));
    expect(formatTable(low)).toMatch(
      /WARN +data dir +DATA_DIR=.*has only 3\.0 GiB free\n +fix: agents' worktrees need room/,
    );
    const roomy = await runChecks([dataDirCheck], context({ freeBytes: freeBytes(50 * 1024 ** 3) }));
    expect(roomy[0]?.status).toBe("ok");
  });
});
