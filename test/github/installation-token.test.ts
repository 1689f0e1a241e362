// The installation token the worker hands to git, from the same Probot the app uses, against
// the stand-in GitHub served as GitHub Enterprise: minted where the API is, even when nothing
// else asked for a token first (a worker-only process, whose first need is a fetch), and
// replaced before it expires, for git and for API calls alike.
import { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FlotillaOctokit, installationToken } from "../../src/github/github-app.ts";
import { testAppCredentials } from "../support/app-credentials.ts";
import { FakeGitHub } from "../support/fake-github.ts";
import { waitFor } from "../support/wait-for.ts";

const credentials = testAppCredentials();
const installationId = 31;
const tokenLifetimeMs = 5_000;
let github: FakeGitHub;

beforeEach(async () => {
  github = new FakeGitHub({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    installationId,
    installationTokenLifetimeMs: tokenLifetimeMs,
  });
  await github.start();
});

afterEach(async () => {
  await github.stop();
});

function flotillaProbot(): Probot {
  return new Probot({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    baseUrl: github.apiBaseUrl,
    logLevel: "fatal",
    Octokit: FlotillaOctokit,
  });
}

describe("installation tokens for git", () => {
  it("mints the first token of a process at the configured GitHub, not at api.github.com", async () => {
    const client = await flotillaProbot().auth(installationId);

    const token = await installationToken(client);

    expect(github.issuedTokens().map((issued) => [issued.token, issued.installationId])).toEqual([
      [token, installationId],
    ]);
  });

  it("hands out a new token once the cached one is about to expire, and API calls use it too", async () => {
    const client = await flotillaProbot().auth(installationId);
    const first = await installationToken(client);
    expect(await installationToken(client)).toBe(first);
    const firstToken = github.issuedTokens().find((issued) => issued.token === first);
    await waitFor(() => Date.parse(firstToken?.expiresAt ?? "") <= Date.now(), {
      what: "the first token to expire",
    });

    const second = await installationToken(client);
    const { status } = await client.rest.repos.getCollaboratorPermissionLevel({
      owner: "octo-org",
      repo: "demo",
      username: "alice",
    });

    expect(second).not.toBe(first);
    expect(status).toBe(200);
    expect(github.requestLog.filter((entry) => entry.outcome === "unauthorized")).toEqual([]);
    expect(github.requestLog.at(-1)?.installationToken).not.toBe(first);
  });
});
