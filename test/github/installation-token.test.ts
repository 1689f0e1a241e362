// The installation token the worker hands to git, from the same Probot the app uses, against
// the stand-in GitHub served as GitHub Enterprise: minted where the API is, even when nothing
// else asked for a token first (a worker-only process, whose first need is a fetch).
import { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FlotillaOctokit, installationToken } from "../../src/github/github-app.ts";
import { testAppCredentials } from "../support/app-credentials.ts";
import { FakeGitHub } from "../support/fake-github.ts";

const credentials = testAppCredentials();
const installationId = 31;
let github: FakeGitHub;

beforeEach(async () => {
  github = new FakeGitHub({ appId: credentials.appId, privateKey: credentials.privateKey, installationId });
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
});
