// The README's quick start, done as a new user does it, on a fresh copy of the project: the
// only settings are in `.env` (the model key, and where GitHub is: a stand-in here), nothing in
// the environment. `./flotilla start` serves the setup flow; "GitHub" registers the app and
// redirects back; the callback writes the credentials to `.env`; the restarted `./flotilla
// start` is ready, with its own embedded Redis under ./data; a signed webhook then becomes the
// agent's pull request; and when it stops, nothing it started is left running.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PageLinks } from "../../src/links/page-links.ts";
import { pageLinkKey } from "../../src/links/page-signature.ts";
import {
  createE2eEnvironment,
  type E2eEnvironment,
  e2eInstallationId,
  e2eOwner,
  e2ePullNumber,
  e2eRepo,
} from "../support/e2e-environment.ts";
import { freePort } from "../support/flotilla-process.ts";
import { processesUnder } from "../support/processes-under.ts";
import { copyProject, type ProjectCopy } from "../support/project-copy.ts";
import { waitFor } from "../support/wait-for.ts";
import { startWatchedProcess, type WatchedProcess } from "../support/watched-process.ts";
import { issueCommentCreated, postWebhook } from "../support/webhooks.ts";

let world: E2eEnvironment;
let project: ProjectCopy;
let port: number;
let running: WatchedProcess | undefined;
const greeting = "Hello from the quick start!\n";

beforeAll(async () => {
  world = await createE2eEnvironment("quick-start");
  world.model.script("quick-start", ({ step, cwd }) =>
    step === 0
      ? { toolCalls: [{ name: "Write", input: { file_path: `${cwd}/GREETING.md`, content: greeting } }] }
      : { text: "Added GREETING.md." },
  );
  project = await copyProject();
  port = await freePort();
  // What a user puts in .env before the first start: the model key; and (only because this is
  // a test) where GitHub is, and ports of its own.
  await writeFile(
    join(project.dir, ".env"),
    [
      "# My Flotilla",
      `ANTHROPIC_API_KEY=${world.upstreamKey}`,
      `ANTHROPIC_BASE_URL=${world.model.url}`,
      `GHE_HOST=${world.github.host}`,
      "GHE_PROTOCOL=http",
      `PORT=${port}`,
      "HOST=127.0.0.1",
      `OPS_PORT=${await freePort()}`,
      `FLOTILLA_PUBLIC_URL=https://flotilla.example.net`,
      "REPORT_MIN_INTERVAL_MS=500",
      "",
    ].join("\n"),
  );
});

afterAll(async () => {
  running?.signal("SIGKILL");
  await running?.exited;
  await world.cleanup();
  await project.cleanup();
});

/** `./flotilla start` in the copy, with an environment that holds no setting of Flotilla's. */
function flotillaStart(): WatchedProcess {
  return startWatchedProcess("./flotilla start", join(project.dir, "flotilla"), ["start"], {
    cwd: project.dir,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp" },
  });
}

async function stopAndExpectNothingLeft(process: WatchedProcess): Promise<void> {
  process.signal("SIGTERM");
  expect(await process.exited).toBe(0);
  // Agents' tools, the embedded redis-server (which runs in ./data/redis), Flotilla itself.
  await waitFor(async () => ((await processesUnder(project.dir)).length === 0 ? true : undefined), {
    what: "every process of the project copy to end",
    timeoutMs: 20_000,
  }).catch(async (error: unknown) => {
    throw new Error(`${String(error)}\nstill running: ${JSON.stringify(await processesUnder(project.dir))}`);
  });
}

function unescapeHtml(text: string): string {
  return text
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&amp;", "&");
}

describe("the README's quick start", () => {
  it("registers the app through the setup flow, which writes .env, and the restarted process is ready", async () => {
    running = flotillaStart();
    await running.waitForLog(/not registered with GitHub yet/, 60_000);
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(page).toContain("Register GitHub App");
    const action = unescapeHtml(/<form action="([^"]+)"/.exec(page)?.[1] ?? "");
    expect(action).toMatch(
      new RegExp(`^http://${world.github.host}/settings/apps/new\\?state=[0-9a-f]{32}$`),
    );
    const manifest = JSON.parse(unescapeHtml(/name="manifest" value="([^"]+)"/.exec(page)?.[1] ?? "{}"));
    // Webhooks go to the public address, never to example.com.
    expect(manifest.hook_attributes).toEqual({
      url: "https://flotilla.example.net/api/github/webhooks",
      active: true,
    });
    expect(manifest.redirect_url).toBe(`http://127.0.0.1:${port}/setup/callback`);
    expect(manifest.default_permissions).toMatchObject({ checks: "write", contents: "write" });

    // GitHub registers the app and sends the browser back with a one-time code.
    const code = world.github.issueManifestCode(world.webhookSecret);
    const state = new URL(action).searchParams.get("state") ?? "";
    const forged = await fetch(
      `http://127.0.0.1:${port}/setup/callback?code=${code}&state=${"0".repeat(32)}`,
    );
    expect(forged.status).toBe(400);
    const callback = await fetch(`http://127.0.0.1:${port}/setup/callback?code=${code}&state=${state}`);
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain("is registered");
    expect(world.github.tradedManifestCodes()).toEqual([code]);

    const env = await readFile(join(project.dir, ".env"), "utf8");
    expect(env).toContain("# My Flotilla");
    expect(env).toContain(`ANTHROPIC_API_KEY=${world.upstreamKey}`);
    expect(env).toMatch(/^APP_ID="\d+"$/m);
    expect(env).toContain(`WEBHOOK_SECRET="${world.webhookSecret}"`);
    expect(env).toMatch(
      /^PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\\n.+\\n-----END RSA PRIVATE KEY-----\\n?"$/m,
    );
    await stopAndExpectNothingLeft(running);

    running = flotillaStart();
    const startLine = await running.waitForLog(/^Flotilla \S+ started \(all\)/, 90_000);
    expect(startLine).toContain(`web http://127.0.0.1:${port}`);
    expect(startLine).toMatch(/Redis embedded redis:\/\/127\.0\.0\.1:\d+/);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
  });

  it("turns a signed webhook into the agent's pull request, with the credentials only in .env", async () => {
    expect(running?.hasExited()).toBe(false);
    const delivery = issueCommentCreated({
      owner: e2eOwner,
      repo: e2eRepo,
      cloneUrl: world.cloneUrl,
      installationId: e2eInstallationId,
      issueNumber: e2ePullNumber,
      isPullRequest: true,
      body: "/agents run [[script:quick-start]] add a greeting file",
      login: "alice",
    });
    const response = await postWebhook(
      `http://127.0.0.1:${port}/api/github/webhooks`,
      delivery,
      world.webhookSecret,
    );
    expect(response.status).toBe(200);
    const pull = await waitFor(
      () => world.github.pullRequests(e2eOwner, e2eRepo).find((pr) => pr.number !== e2ePullNumber),
      {
        timeoutMs: 120_000,
        what: "the agent's pull request",
        describe: () => (running?.logs ?? []).slice(-25).join("\n"),
      },
    );
    expect(pull.head.ref).toMatch(/^agents\//);
    expect(await world.remote.readFile(pull.head.ref, "GREETING.md")).toBe(greeting);

    // `/` names no run for anyone; the operator's signed link lists it, linked to its page.
    const open = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(open).not.toContain(`${e2eOwner}/${e2eRepo}`);
    const key = pageLinkKey({ pageSecret: undefined, webhookSecret: world.webhookSecret });
    if (key === undefined) throw new Error("no page key");
    const links = new PageLinks({ publicUrl: `http://127.0.0.1:${port}`, key, ttlMs: 3_600_000 });
    const status = await (await fetch(links.statusPage())).text();
    expect(status).toContain(`${e2eOwner}/${e2eRepo}#${e2ePullNumber}`);
    const runLink = /<a href="([^"]*\/runs\/[^"]+)"/.exec(status)?.[1]?.replaceAll("&amp;", "&") ?? "";
    expect(runLink).toMatch(/^https:\/\/flotilla\.example\.net\/runs\//);
    const runPage = await fetch(runLink.replace("https://flotilla.example.net", `http://127.0.0.1:${port}`));
    expect(runPage.status).toBe(200);
    const tampered = links.statusPage().replace(/sig=[\w-]{4}/, "sig=AAAA");
    expect(await (await fetch(tampered)).text()).not.toContain(`${e2eOwner}/${e2eRepo}`);
    if (running !== undefined) await stopAndExpectNothingLeft(running);
  });
});
