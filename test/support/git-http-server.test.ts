// The authenticated smart-HTTP server: fetch and push work with a live installation token of the
// repository's installation, and a missing, wrong, expired or foreign token is refused with 401
// before git sees the request; every request is recorded with the token it carried.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "./fake-github.ts";
import { type BareRemote, createBareRemote, git, isolatedGitEnv } from "./git-fixtures.ts";
import { GitHttpServer } from "./git-http-server.ts";
import { waitFor } from "./wait-for.ts";

const owner = "acme";
const repo = "widgets";
const installationId = 7;

let github: FakeGitHub;
let server: GitHttpServer;
let remote: BareRemote;
let work: string;
let cloneUrl: string;

beforeAll(async () => {
  github = new FakeGitHub({ installationId });
  await github.start();
  server = new GitHttpServer(github);
  await server.start();
  remote = await createBareRemote({ branches: { feature: { "feature.txt": "feature\n" } } });
  cloneUrl = server.serve(owner, repo, remote.bareDir);
  github.addRepository({ owner, repo, cloneUrl, gitDir: remote.bareDir, installationId });
  github.addRepository({ owner: "other", repo: "place", installationId: 99 });
  work = await mkdtemp(join(tmpdir(), "flotilla-git-http-"));
});

afterAll(async () => {
  await server?.stop();
  await github?.stop();
  await remote?.cleanup();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** Runs git with `Authorization: Basic <user>:<password>` on every request, as Flotilla's worker does. */
function gitWith(cwd: string, args: string[], credentials: { user?: string; password: string } | undefined) {
  const header =
    credentials === undefined
      ? []
      : [
          "-c",
          `http.extraHeader=Authorization: Basic ${Buffer.from(`${credentials.user ?? "x-access-token"}:${credentials.password}`).toString("base64")}`,
        ];
  return execa("git", [...header, "-c", "user.name=T", "-c", "user.email=t@example.invalid", ...args], {
    cwd,
    env: isolatedGitEnv,
    reject: false,
  });
}

function requestsWith(token: string | undefined) {
  return server.requests.filter((entry) => entry.token === token);
}

describe("authenticated smart HTTP", () => {
  it("clones, fetches a branch and pushes with a live token, and records the token on each request", async () => {
    const { token } = github.mintInstallationToken(installationId);
    const cloned = await gitWith(work, ["clone", "--quiet", cloneUrl, "ok"], { password: token });
    expect(cloned.stderr).toBe("");
    expect(cloned.exitCode).toBe(0);
    const clone = join(work, "ok");
    expect(await git(clone, ["rev-parse", "origin/feature"])).toBe(await remote.headSha("feature"));

    await writeFile(join(clone, "pushed.txt"), "over http\n");
    await git(clone, ["add", "pushed.txt"]);
    await git(clone, ["commit", "--quiet", "-m", "pushed over smart HTTP"]);
    const pushed = await gitWith(clone, ["push", "--quiet", "origin", "HEAD:refs/heads/agents/one"], {
      password: token,
    });
    expect(pushed.stderr).toBe("");
    expect(pushed.exitCode).toBe(0);
    expect(await remote.readFile("agents/one", "pushed.txt")).toBe("over http\n");

    const used = requestsWith(token);
    expect(
      used.every((entry) => entry.refused === undefined && entry.installationId === installationId),
    ).toBe(true);
    expect(used.map((entry) => entry.service)).toEqual(
      expect.arrayContaining(["git-upload-pack", "git-receive-pack"]),
    );
    expect(server.pushes().map((entry) => entry.token)).toContain(token);
  });

  it("refuses a fetch without credentials, with a made-up token, a wrong user name or another installation's token", async () => {
    const foreign = github.mintInstallationToken(99).token;
    const attempts = [
      { name: "none", credentials: undefined },
      { name: "made-up", credentials: { password: "ghs_made_up" } },
      {
        name: "wrong user",
        credentials: { user: "someone", password: github.mintInstallationToken(installationId).token },
      },
      { name: "foreign", credentials: { password: foreign } },
    ];
    for (const attempt of attempts) {
      const before = server.requests.length;
      const result = await gitWith(work, ["ls-remote", cloneUrl], attempt.credentials);
      expect(result.exitCode, attempt.name).not.toBe(0);
      const seen = server.requests.slice(before);
      expect(seen.length, attempt.name).toBeGreaterThan(0);
      expect(
        seen.every((entry) => entry.status === 401 && entry.refused !== undefined),
        attempt.name,
      ).toBe(true);
      expect(seen[0]?.token, attempt.name).toBe(attempt.credentials?.password);
    }
    expect(requestsWith(foreign)[0]?.refused).toMatch(/installation 99, not 7/);
  });

  it("refuses fetch and push with a token that has expired", async () => {
    // A stand-in whose tokens live one second, serving the same repository.
    const expiring = new FakeGitHub({ installationId, installationTokenLifetimeMs: 1_000 });
    const expiringServer = new GitHttpServer(expiring);
    await Promise.all([expiring.start(), expiringServer.start()]);
    const url = expiringServer.serve(owner, repo, remote.bareDir);
    expiring.addRepository({ owner, repo, cloneUrl: url, gitDir: remote.bareDir, installationId });
    const clone = join(work, "expiring");
    await git(work, ["clone", "--quiet", remote.bareDir, "expiring"]);
    await git(clone, ["remote", "set-url", "origin", url]);
    const issued = expiring.mintInstallationToken(installationId);
    await waitFor(() => Date.parse(issued.expiresAt) <= Date.now(), { what: "the token to expire" });

    const fetched = await gitWith(clone, ["fetch", "--quiet", "origin"], { password: issued.token });
    expect(fetched.exitCode).not.toBe(0);
    await writeFile(join(clone, "late.txt"), "too late\n");
    await git(clone, ["add", "late.txt"]);
    await git(clone, ["commit", "--quiet", "-m", "late"]);
    const pushed = await gitWith(clone, ["push", "--quiet", "origin", "HEAD:refs/heads/agents/late"], {
      password: issued.token,
    });
    expect(pushed.exitCode).not.toBe(0);
    expect(await remote.branches()).not.toContain("agents/late");
    const late = expiringServer.requests.filter((entry) => entry.token === issued.token);
    expect(late.map((entry) => entry.service)).toEqual(["git-upload-pack", "git-receive-pack"]);
    expect(
      late.every((entry) => entry.status === 401 && entry.refused === "expired installation token"),
    ).toBe(true);
    await Promise.all([expiringServer.stop(), expiring.stop()]);
  });

  it("answers 404 for a repository it does not serve, once credentials are given", async () => {
    const { token } = github.mintInstallationToken(installationId);
    const result = await gitWith(work, ["ls-remote", server.cloneUrl(owner, "missing")], { password: token });
    expect(result.exitCode).not.toBe(0);
    expect(server.requests.at(-1)?.status).toBe(404);
  });
});
