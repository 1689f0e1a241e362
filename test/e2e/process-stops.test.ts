// However Flotilla is stopped, nothing it started outlives it: SIGTERM and SIGINT to `npm start`
// (npm hands them to Flotilla, which the script `exec`s) and to `./flotilla start`, and SIGKILL
// (which `./flotilla start` hands straight to Flotilla, since it `exec`s it too), with the
// embedded redis-server as the child that used to be left behind; and `./flotilla test` stops the
// redis-server it started for the tests. Each runs in a fresh copy of the project, so its
// processes are told apart from everyone else's through /proc.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAppCredentials } from "../support/app-credentials.ts";
import { freePort } from "../support/flotilla-process.ts";
import { processesUnder } from "../support/processes-under.ts";
import { copyProject, type ProjectCopy } from "../support/project-copy.ts";
import { waitFor } from "../support/wait-for.ts";
import { startWatchedProcess } from "../support/watched-process.ts";

let project: ProjectCopy;

beforeAll(async () => {
  project = await copyProject();
  const credentials = testAppCredentials();
  await writeFile(
    join(project.dir, ".env"),
    [
      `APP_ID=${credentials.appId}`,
      `PRIVATE_KEY="${credentials.privateKey.replaceAll("\n", "\\n")}"`,
      "WEBHOOK_SECRET=stops-webhook-secret",
      "GHE_HOST=127.0.0.1:1",
      "GHE_PROTOCOL=http",
      "ANTHROPIC_API_KEY=sk-ant-unused",
      "ANTHROPIC_BASE_URL=http://127.0.0.1:1",
      "HOST=127.0.0.1",
      "",
    ].join("\n"),
  );
});
afterAll(() => project.cleanup());

async function expectNothingLeft(): Promise<void> {
  await waitFor(async () => ((await processesUnder(project.dir)).length === 0 ? true : undefined), {
    what: "every process of the project copy to end",
    timeoutMs: 15_000,
  }).catch(async (error: unknown) => {
    throw new Error(`${String(error)}\nstill running: ${JSON.stringify(await processesUnder(project.dir))}`);
  });
}

describe("stopping Flotilla", () => {
  it.each([
    { how: "npm start", file: "npm", args: ["start"], signal: "SIGTERM" as const },
    { how: "npm start", file: "npm", args: ["start"], signal: "SIGINT" as const },
    { how: "./flotilla start", file: "./flotilla", args: ["start"], signal: "SIGTERM" as const },
    { how: "./flotilla start", file: "./flotilla", args: ["start"], signal: "SIGINT" as const },
    // A crash: no handler runs, and the kernel stops redis-server (setpriv --pdeathsig).
    { how: "./flotilla start", file: "./flotilla", args: ["start"], signal: "SIGKILL" as const },
  ])(
    "$signal to `$how` stops Flotilla and its embedded redis-server",
    async ({ how, file, args, signal }) => {
      const started = startWatchedProcess(how, file, args, {
        cwd: project.dir,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: process.env.HOME ?? "/tmp",
          PORT: String(await freePort()),
          OPS_PORT: String(await freePort()),
        },
      });
      await started.waitForLog(/^Flotilla \S+ started \(all\).*Redis embedded/, 90_000);
      const running = await processesUnder(project.dir);
      expect(running.some((entry) => entry.commandLine.startsWith("redis-server"))).toBe(true);
      started.signal(signal);
      await started.exited;
      await expectNothingLeft();
    },
  );

  it("`./flotilla test` stops the redis-server it started for the tests when it is stopped", async () => {
    const redisPort = await freePort();
    const started = startWatchedProcess("./flotilla test", "./flotilla", ["test", "test/text"], {
      cwd: project.dir,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/tmp",
        FLOTILLA_TEST_REDIS_PORT: String(redisPort),
      },
    });
    await started.waitForLog(new RegExp(`starting redis-server on 127\\.0\\.0\\.1:${redisPort}`), 60_000);
    const redis = await waitFor(
      async () =>
        (await processesUnder(project.dir)).find((entry) => entry.commandLine.includes(`:${redisPort}`)),
      { what: "the tests' redis-server", timeoutMs: 30_000 },
    );
    expect(redis.commandLine).toContain("redis-server");
    started.signal("SIGTERM");
    expect(await started.exited).toBe(143);
    await expectNothingLeft();
  });
});
