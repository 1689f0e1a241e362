// The test app installed on a started stand-in GitHub: one repository of its installation, and
// the app's clients for it, made the way Flotilla makes them (createProbot).
import { pino } from "pino";
import { createProbot, type GitHubClient } from "../../src/github/github-app.ts";
import { testAppCredentials } from "./app-credentials.ts";
import { FakeGitHub } from "./fake-github.ts";

export interface AppOnStandIn {
  github: FakeGitHub;
  /** A client authenticated as the app's installation `installationId`. */
  clientFor(installationId: number): Promise<GitHubClient>;
}

export async function startAppOnStandIn(
  repository: { owner: string; repo: string },
  installationId: number,
): Promise<AppOnStandIn> {
  const credentials = testAppCredentials();
  const github = new FakeGitHub({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    installationId,
  });
  await github.start();
  github.addRepository({ ...repository, installationId });
  const probot = createProbot({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    webhookSecret: credentials.webhookSecret,
    baseUrl: github.apiBaseUrl,
    log: pino({ level: "silent" }),
  });
  return { github, clientFor: (id) => probot.auth(id) };
}
