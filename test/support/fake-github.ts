// A stand-in GitHub REST API on 127.0.0.1 for tests where Flotilla runs as separate processes
// (nock cannot reach them): stateful, in memory, served under `/api/v3` as GitHub Enterprise is,
// so Probot reaches it with `GHE_HOST=127.0.0.1:<port>` and `GHE_PROTOCOL=http`.
import { createServer, type Server } from "node:http";
import type { components } from "@octokit/openapi-types";
import { AppAuth, type AppJwtRecord, type IssuedToken } from "./fake-github/app-auth.ts";
import { type FaultOptions, FaultQueue, secondaryRateLimitMessage } from "./fake-github/faults.ts";
import { gitReader } from "./fake-github/git-reader.ts";
import type { Urls } from "./fake-github/render-common.ts";
import { renderCheckRun, renderComment, renderPullRequest } from "./fake-github/render-records.ts";
import {
  contentWriteRate,
  describeViolations,
  type RequestLogEntry,
  type Violation,
  type WriteRate,
} from "./fake-github/request-log.ts";
import type { RouteEnv } from "./fake-github/router.ts";
import { appRoutes } from "./fake-github/routes/apps.ts";
import { branchRoutes } from "./fake-github/routes/branches.ts";
import { checkRoutes } from "./fake-github/routes/checks.ts";
import { contentRoutes } from "./fake-github/routes/contents.ts";
import { issueRoutes } from "./fake-github/routes/issues.ts";
import { type ManifestCodes, manifestRoutes } from "./fake-github/routes/manifests.ts";
import { permissionRoutes } from "./fake-github/routes/permissions.ts";
import { branchSha, pullRoutes } from "./fake-github/routes/pulls.ts";
import { apiPrefix, serveRequest } from "./fake-github/serve.ts";
import {
  type Actor,
  type CheckRunEvent,
  FakeState,
  inRepository,
  type PermissionLevel,
  type PullFields,
  type ReactionRecord,
  timestamp,
} from "./fake-github/state.ts";
import type { GitAccess, GitTokenChecker } from "./git-http-server.ts";
import { closeServer, listenOnLoopback, loopbackOrigin } from "./loopback-server.ts";

export type { AppJwtRecord, IssuedToken } from "./fake-github/app-auth.ts";
export type { FaultOptions } from "./fake-github/faults.ts";
export type { RequestLogEntry, Violation, WriteRate } from "./fake-github/request-log.ts";
export type { CheckRunEvent, PermissionLevel, ReactionRecord } from "./fake-github/state.ts";

type Schemas = components["schemas"];

export interface FakeGitHubOptions {
  /** @defaultValue 1 */
  appId?: number;
  /** The bot that writes is `<appSlug>[bot]`. @defaultValue "flotilla" */
  appSlug?: string;
  /** When given, app JWTs must be RS256-signed with this key (as GitHub checks). */
  privateKey?: string;
  /** The installation of repositories not given one. @defaultValue 1 */
  installationId?: number;
  /** How long an installation token works (GitHub: one hour). @defaultValue 3_600_000 */
  installationTokenLifetimeMs?: number;
}

export interface RepositoryOptions {
  owner: string;
  repo: string;
  /** What `clone_url` says (e.g. a bare repository's path). */
  cloneUrl?: string;
  /** @defaultValue "main" */
  defaultBranch?: string;
  /** A git directory whose branches and files back this repository (shas, contents, "no commits"). */
  gitDir?: string;
  installationId?: number;
  private?: boolean;
}

export interface IssueSeed {
  owner: string;
  repo: string;
  /** @defaultValue the next free number in the repository */
  number?: number;
  title?: string;
  body?: string;
  state?: "open" | "closed";
  locked?: boolean;
  /** @defaultValue "octocat" */
  user?: string;
}

export interface PullRequestSeed extends IssueSeed {
  /** Omit `sha` to take it from the linked git directory (or a synthetic one). */
  head: { ref: string; sha?: string; owner?: string; repo?: string };
  base: { ref: string; sha?: string };
  draft?: boolean;
}

export interface SecondaryRateLimitOptions {
  method?: string;
  pathPattern?: RegExp | string;
  /** @defaultValue 1 */
  retryAfterSeconds?: number;
  /** @defaultValue 1 */
  times?: number;
}

export class FakeGitHub implements GitTokenChecker {
  readonly requestLog: RequestLogEntry[] = [];
  private readonly recordedViolations: Violation[] = [];
  private readonly state: FakeState;
  private readonly auth: AppAuth;
  private readonly faults = new FaultQueue();
  private readonly env: RouteEnv;
  private readonly server: Server;
  private readonly manifestCodes: ManifestCodes = { pending: new Map(), traded: [] };
  private readonly privateKey: string | undefined;

  constructor(options: FakeGitHubOptions = {}) {
    this.privateKey = options.privateKey;
    const appId = options.appId ?? 1;
    const slug = options.appSlug ?? "flotilla";
    this.state = new FakeState({
      id: appId,
      slug,
      name: slug,
      defaultInstallationId: options.installationId ?? 1,
    });
    this.auth = new AppAuth(appId, options.privateKey, options.installationTokenLifetimeMs);
    const env: RouteEnv = { state: this.state, urls: () => this.urls, auth: this.auth, git: gitReader };
    this.env = env;
    const parts = {
      routes: [
        appRoutes,
        permissionRoutes,
        issueRoutes,
        pullRoutes,
        branchRoutes,
        checkRoutes,
        contentRoutes,
        (routeEnv: RouteEnv) => manifestRoutes(routeEnv, this.manifestCodes),
      ].flatMap((routes) => routes(env)),
      auth: this.auth,
      faults: this.faults,
      log: this.requestLog,
      violations: this.recordedViolations,
    };
    this.server = createServer((request, response) => {
      serveRequest(parts, request, response).catch((error: unknown) => {
        response.writeHead(500, { "content-type": "application/json; charset=utf-8" });
        response.end(JSON.stringify({ message: `fake GitHub failed: ${String(error)}` }));
      });
    });
  }

  start(): Promise<void> {
    return listenOnLoopback(this.server);
  }

  /**
   * Stops serving, then fails if any request broke a rule of GitHub's that no test took note of
   * (`takeViolations`): a test cannot pass while its code sends what the real GitHub refuses.
   */
  async stop(): Promise<void> {
    await closeServer(this.server);
    this.expectNoViolations();
  }

  /** Requests the real GitHub would have refused or ignored, oldest first. */
  violations(): Violation[] {
    return [...this.recordedViolations];
  }

  /** Returns the violations so far and forgets them: for tests that break GitHub's rules on purpose. */
  takeViolations(): Violation[] {
    return this.recordedViolations.splice(0);
  }

  /** Throws, listing them, when requests broke GitHub's rules. */
  expectNoViolations(): void {
    if (this.recordedViolations.length === 0) return;
    throw new Error(
      `The stand-in GitHub received ${this.recordedViolations.length} request(s) the real GitHub would refuse or ignore:\n${describeViolations(this.recordedViolations)}`,
    );
  }

  /** `127.0.0.1:<port>`, the value for `GHE_HOST`. */
  get host(): string {
    return loopbackOrigin(this.server, "fake GitHub").slice("http://".length);
  }

  /** `http://127.0.0.1:<port>/api/v3`, Octokit's `baseUrl`. */
  get apiBaseUrl(): string {
    return `http://${this.host}${apiPrefix}`;
  }

  private get urls(): Urls {
    return { api: this.apiBaseUrl, web: `http://${this.host}` };
  }

  // ---- test controls ----

  /**
   * What GitHub does when someone registers an app from a manifest: a one-time code for the
   * redirect, which `POST /app-manifests/{code}/conversions` trades for the app's credentials
   * (this stand-in's own app id and private key, and the given webhook secret).
   */
  issueManifestCode(webhookSecret: string): string {
    if (this.privateKey === undefined)
      throw new Error("issueManifestCode needs the fake made with a privateKey");
    const code = `manifest-code-${this.manifestCodes.pending.size + this.manifestCodes.traded.length + 1}`;
    this.manifestCodes.pending.set(code, { pem: this.privateKey, webhookSecret });
    return code;
  }

  /** Manifest codes traded for credentials so far. */
  tradedManifestCodes(): string[] {
    return [...this.manifestCodes.traded];
  }

  addRepository(options: RepositoryOptions): void {
    const repo = this.state.repo(options.owner, options.repo);
    if (options.cloneUrl !== undefined) repo.cloneUrl = options.cloneUrl;
    if (options.defaultBranch !== undefined) repo.defaultBranch = options.defaultBranch;
    if (options.gitDir !== undefined) repo.gitDir = options.gitDir;
    if (options.installationId !== undefined) repo.installationId = options.installationId;
    if (options.private !== undefined) repo.private = options.private;
  }

  /** The user's role on every repository, or on one when `repo` is given. Unset users read. */
  setPermission(user: string, level: PermissionLevel, repo?: { owner: string; repo: string }): void {
    this.state.setPermission(user, level, repo);
  }

  /** Adds an issue; returns its number. */
  addIssue(seed: IssueSeed): number {
    return this.putIssue(seed, undefined);
  }

  /** Adds a comment by `user` (a person, unless the login ends in [bot]) to an issue; returns its id. */
  addComment(owner: string, repo: string, issueNumber: number, body: string, user = "octocat"): number {
    const now = timestamp();
    const id = this.state.nextId();
    this.state.comments.set(id, {
      id,
      owner,
      repo,
      issueNumber,
      body,
      user: { login: user, type: user.endsWith("[bot]") ? "Bot" : "User" },
      createdAt: now,
      updatedAt: now,
    });
    return id;
  }

  /** Adds a pull request (an issue too); returns its number. */
  async addPullRequest(seed: PullRequestSeed): Promise<number> {
    const env = this.env;
    const headOwner = seed.head.owner ?? seed.owner;
    const headRepo = this.state.repo(headOwner, seed.head.repo ?? seed.repo);
    const baseRepo = this.state.repo(seed.owner, seed.repo);
    const headSha = seed.head.sha ?? (await branchSha(env, headRepo, seed.head.ref));
    const baseSha = seed.base.sha ?? (await branchSha(env, baseRepo, seed.base.ref));
    if (headSha === undefined || baseSha === undefined) {
      throw new Error(
        `addPullRequest: ${seed.head.ref} or ${seed.base.ref} is not a branch of the linked git dir`,
      );
    }
    return this.putIssue(seed, {
      head: { owner: headRepo.owner, repo: headRepo.name, ref: seed.head.ref, sha: headSha },
      base: { ref: seed.base.ref, sha: baseSha },
      draft: seed.draft ?? false,
      maintainerCanModify: true,
    });
  }

  /**
   * Closes a pull request as a person does on GitHub, merged or not (a merge here changes no
   * git refs: Flotilla only reads `merged`). Returns what the webhook needs: its head ref and sha.
   */
  closePullRequest(
    owner: string,
    repo: string,
    number: number,
    options: { merged: boolean },
  ): { headRef: string; headSha: string; baseRef: string } {
    const issue = this.state.issue(owner, repo, number);
    if (issue?.pull === undefined) throw new Error(`closePullRequest: #${number} is not a pull request`);
    const now = timestamp();
    issue.state = "closed";
    issue.closedAt = now;
    issue.updatedAt = now;
    if (options.merged) issue.pull.mergedAt = now;
    return { headRef: issue.pull.head.ref, headSha: issue.pull.head.sha, baseRef: issue.pull.base.ref };
  }

  /** Serves `content` at `path` on `ref` (default: the repository's default branch). */
  setFile(owner: string, repo: string, path: string, content: string, options: { ref?: string } = {}): void {
    const ref = options.ref ?? this.state.repo(owner, repo).defaultBranch;
    this.state.files.set(this.state.fileKey(owner, repo, ref, path), content);
  }

  /** The next matching requests fail with this status instead of being handled. */
  failNext(options: FaultOptions): void {
    this.faults.add(options);
  }

  /** The next matching requests get GitHub's secondary-rate-limit 403 with `retry-after`. */
  failNextWithSecondaryRateLimit(options: SecondaryRateLimitOptions = {}): void {
    this.faults.add({
      ...options,
      status: 403,
      headers: { "retry-after": String(options.retryAfterSeconds ?? 1), "x-ratelimit-remaining": "4999" },
      body: {
        message: secondaryRateLimitMessage,
        documentation_url:
          "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        status: "403",
      },
    });
  }

  /** Injected failures not yet used. */
  get pendingFaults(): number {
    return this.faults.pending;
  }

  // ---- state getters ----

  checkRuns(owner: string, repo: string): Schemas["check-run"][] {
    return [...this.state.checkRuns.values()]
      .filter((run) => inRepository(run, owner, repo))
      .map((run) => renderCheckRun(this.state, run, this.urls));
  }

  /** Every create and update of the check run, oldest first. */
  checkRunHistory(checkRunId: number): CheckRunEvent[] {
    return [...(this.state.checkRunEvents.get(checkRunId) ?? [])];
  }

  /** Calls `listener` on every check run create and update as it happens; returns how to stop. */
  onCheckRunEvent(listener: (event: CheckRunEvent) => void): () => void {
    this.state.checkRunListeners.add(listener);
    return () => this.state.checkRunListeners.delete(listener);
  }

  comments(owner: string, repo: string, issueNumber: number): Schemas["issue-comment"][] {
    return [...this.state.comments.values()]
      .filter((comment) => comment.issueNumber === issueNumber && inRepository(comment, owner, repo))
      .sort((a, b) => a.id - b.id)
      .map((comment) => renderComment(comment, this.urls));
  }

  reactions(): ReactionRecord[] {
    return [...this.state.reactions];
  }

  pullRequests(owner: string, repo: string): Schemas["pull-request"][] {
    return this.state
      .issuesOf(owner, repo)
      .filter((issue) => issue.pull !== undefined)
      .sort((a, b) => a.number - b.number)
      .map((issue) => renderPullRequest(this.state, issue, this.urls));
  }

  /** Requests no route knows (404) or that the fake failed on (500): a test asserts there were none. */
  unhandledRequests(): RequestLogEntry[] {
    return this.requestLog.filter((entry) => entry.outcome === "unhandled" || entry.outcome === "fake-error");
  }

  /** App JWTs presented (decoded), in arrival order. */
  appJwts(): AppJwtRecord[] {
    return [...this.auth.jwts];
  }

  /** Issues an installation token as `POST /app/installations/{id}/access_tokens` would. */
  mintInstallationToken(installationId: number): IssuedToken {
    return this.auth.issueToken(installationId);
  }

  issuedTokens(): IssuedToken[] {
    return [...this.auth.tokens.values()];
  }

  /**
   * Whether `token` may fetch and push `owner/repo` over git: a live installation token of the
   * installation the repository belongs to (what the git server in git-http-server.ts asks).
   */
  gitAccess(token: string, owner: string, repo: string): GitAccess {
    const checked = this.auth.checkToken(token);
    if ("refused" in checked) return checked;
    const repository = this.state.findRepo(owner, repo);
    if (repository === undefined) return { refused: `${owner}/${repo} is not a repository of the stand-in` };
    if (repository.installationId !== checked.installationId) {
      return {
        refused: `the token is for installation ${checked.installationId}, not ${repository.installationId}`,
      };
    }
    return checked;
  }

  /** Content writes made with installation tokens, per rolling and calendar minute. */
  contentWritesPerMinute(installationId?: number): WriteRate {
    return contentWriteRate(this.requestLog, installationId);
  }

  private putIssue(seed: IssueSeed, pull: PullFields | undefined): number {
    const number = seed.number ?? this.state.nextIssueNumber(seed.owner, seed.repo);
    const repo = this.state.repo(seed.owner, seed.repo);
    const now = timestamp();
    const user: Actor = {
      login: seed.user ?? "octocat",
      type: seed.user?.endsWith("[bot]") ? "Bot" : "User",
    };
    this.state.putIssue({
      owner: repo.owner,
      repo: repo.name,
      number,
      id: this.state.nextId(),
      title: seed.title ?? `${pull ? "Pull request" : "Issue"} ${number}`,
      body: seed.body ?? null,
      state: seed.state ?? "open",
      locked: seed.locked ?? false,
      user,
      createdAt: now,
      updatedAt: now,
      closedAt: seed.state === "closed" ? now : null,
      pull,
    });
    return number;
  }
}

/**
 * The environment a Flotilla process needs to use `fake` as its GitHub (Probot reads these):
 * APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GHE_HOST, GHE_PROTOCOL.
 */
export function probotEnvFor(
  fake: FakeGitHub,
  credentials: { appId: number; privateKey: string; webhookSecret: string },
): Record<string, string> {
  return {
    APP_ID: String(credentials.appId),
    PRIVATE_KEY: credentials.privateKey,
    WEBHOOK_SECRET: credentials.webhookSecret,
    GHE_HOST: fake.host,
    GHE_PROTOCOL: "http",
  };
}
