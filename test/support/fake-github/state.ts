// The fake's in-memory GitHub: repositories, issues and pull requests, comments, check runs with
// their history, reactions, permissions and files. Names are case-insensitive as on GitHub; ids
// come from counters, so every object keeps the id it was created with.
import type { components } from "@octokit/openapi-types";

type CheckRunApi = components["schemas"]["check-run"];
type CheckStatus = CheckRunApi["status"];
type CheckConclusion = NonNullable<CheckRunApi["conclusion"]>;
type ReactionContent = components["schemas"]["reaction"]["content"];
/** A repository role; `permission` in the API folds maintain into write and triage into read. */
export type PermissionLevel = "admin" | "maintain" | "write" | "triage" | "read" | "none";

export interface Actor {
  login: string;
  type: "User" | "Bot" | "Organization";
}

export interface RepoRecord {
  owner: string;
  name: string;
  id: number;
  /** @defaultValue `http://127.0.0.1:<port>/<owner>/<name>.git` (nothing serves it) */
  cloneUrl: string | undefined;
  defaultBranch: string;
  /** A git repository (bare or not) whose refs and files back this repository, when linked. */
  gitDir: string | undefined;
  installationId: number;
  private: boolean;
}

export interface PullFields {
  head: { owner: string; repo: string; ref: string; sha: string };
  base: { ref: string; sha: string };
  draft: boolean;
  maintainerCanModify: boolean;
  /** When it was merged (a merged pull request is closed too). */
  mergedAt?: string | undefined;
}

export interface IssueRecord {
  owner: string;
  repo: string;
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  locked: boolean;
  user: Actor;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Set for pull requests, which are issues too (numbers are shared). */
  pull: PullFields | undefined;
}

export interface CommentRecord {
  id: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  user: Actor;
  createdAt: string;
  updatedAt: string;
}

interface CheckRunAction {
  label: string;
  description: string;
  identifier: string;
}

export interface CheckRunRecord {
  id: number;
  owner: string;
  repo: string;
  name: string;
  headSha: string;
  externalId: string | null;
  detailsUrl: string | null;
  status: CheckStatus;
  conclusion: CheckConclusion | null;
  startedAt: string | null;
  completedAt: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotationsCount: number };
  /** Requested-action buttons; GitHub does not return them, so only tests read them. */
  actions: CheckRunAction[];
}

/** One step in a check run's life: what was sent, and the check run as it stood afterwards. */
export interface CheckRunEvent {
  action: "created" | "updated";
  at: string;
  request: unknown;
  checkRun: CheckRunApi;
  actions: CheckRunAction[];
}

export interface ReactionRecord {
  id: number;
  owner: string;
  repo: string;
  subject: "issue_comment" | "pull_request_review_comment";
  commentId: number;
  content: ReactionContent;
  user: Actor;
  createdAt: string;
}

export interface AppIdentity {
  id: number;
  slug: string;
  name: string;
  defaultInstallationId: number;
}

/** GitHub's timestamp format: ISO 8601 in UTC without milliseconds. */
export function timestamp(date = new Date()): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Whether a record belongs to the repository (names compared case-insensitively). */
export function inRepository(record: { owner: string; repo: string }, owner: string, repo: string): boolean {
  return (
    record.owner.toLowerCase() === owner.toLowerCase() && record.repo.toLowerCase() === repo.toLowerCase()
  );
}

const key = (...parts: (string | number)[]) => parts.join("/").toLowerCase();

export class FakeState {
  readonly repos = new Map<string, RepoRecord>();
  readonly issues = new Map<string, IssueRecord>();
  readonly comments = new Map<number, CommentRecord>();
  readonly checkRuns = new Map<number, CheckRunRecord>();
  readonly checkRunEvents = new Map<number, CheckRunEvent[]>();
  /** Told about every create and update as it is recorded (benchmarks time them to the ms). */
  readonly checkRunListeners = new Set<(event: CheckRunEvent) => void>();
  readonly reactions: ReactionRecord[] = [];
  readonly files = new Map<string, string>();
  private readonly permissions = new Map<string, PermissionLevel>();
  private lastId = 1000;
  readonly app: AppIdentity;

  constructor(app: AppIdentity) {
    this.app = app;
  }

  get botActor(): Actor {
    return { login: `${this.app.slug}[bot]`, type: "Bot" };
  }

  nextId(): number {
    this.lastId += 1;
    return this.lastId;
  }

  /** The repository, registered with defaults on first use. */
  repo(owner: string, name: string): RepoRecord {
    const existing = this.repos.get(key(owner, name));
    if (existing) return existing;
    const created: RepoRecord = {
      owner,
      name,
      id: this.nextId(),
      cloneUrl: undefined,
      defaultBranch: "main",
      gitDir: undefined,
      installationId: this.app.defaultInstallationId,
      private: false,
    };
    this.repos.set(key(owner, name), created);
    return created;
  }

  findRepo(owner: string, name: string): RepoRecord | undefined {
    return this.repos.get(key(owner, name));
  }

  issue(owner: string, repo: string, issueNumber: number): IssueRecord | undefined {
    return this.issues.get(key(owner, repo, issueNumber));
  }

  issuesOf(owner: string, repo: string): IssueRecord[] {
    const prefix = key(owner, repo, "");
    return [...this.issues.entries()].filter(([k]) => k.startsWith(prefix)).map(([, issue]) => issue);
  }

  putIssue(issue: IssueRecord): void {
    this.issues.set(key(issue.owner, issue.repo, issue.number), issue);
  }

  nextIssueNumber(owner: string, repo: string): number {
    return Math.max(0, ...this.issuesOf(owner, repo).map((issue) => issue.number)) + 1;
  }

  setPermission(login: string, level: PermissionLevel, repo?: { owner: string; repo: string }): void {
    this.permissions.set(repo ? key(repo.owner, repo.repo, login) : key(login), level);
  }

  /** The user's role on the repository: a per-repository setting, else a global one, else read. */
  permission(owner: string, repo: string, login: string): PermissionLevel {
    return this.permissions.get(key(owner, repo, login)) ?? this.permissions.get(key(login)) ?? "read";
  }

  fileKey(owner: string, repo: string, ref: string, path: string): string {
    return `${key(owner, repo)}@${ref}:${path}`;
  }
}
