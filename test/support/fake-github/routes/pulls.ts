// Pull requests: get, list (state/head/base filters), create with GitHub's 422s (missing or
// unknown branches, a duplicate open PR for the same head and base, no commits between them) and
// update. Branch shas come from the linked git directory; without one they are synthetic.
import { createHash } from "node:crypto";
import { z } from "zod";
import { renderPullRequest } from "../render-records.ts";
import { notFound, ok, pageReply, paginate, parseBody, type Reply, validationFailed } from "../replies.ts";
import type { Route, RouteEnv, RouteRequest } from "../router.ts";
import { type IssueRecord, type RepoRecord, timestamp } from "../state.ts";

const createBody = z.object({
  title: z.string().optional(),
  head: z.string().optional(),
  head_repo: z.string().optional(),
  base: z.string().optional(),
  body: z.string().nullable().optional(),
  draft: z.boolean().optional(),
  maintainer_can_modify: z.boolean().optional(),
});

const updateBody = z.object({
  title: z.string().optional(),
  body: z.string().nullable().optional(),
  state: z.enum(["open", "closed"]).optional(),
  base: z.string().optional(),
  maintainer_can_modify: z.boolean().optional(),
});

/** The sha a branch points at: from git when the repository is linked, else derived from its name. */
export async function branchSha(env: RouteEnv, repo: RepoRecord, ref: string): Promise<string | undefined> {
  if (repo.gitDir !== undefined) return env.git.resolve(repo.gitDir, ref);
  return createHash("sha1").update(`${repo.owner}/${repo.name}:${ref}`).digest("hex");
}

const pullError = (field: string, code: "missing_field" | "invalid") =>
  validationFailed([{ resource: "PullRequest", field, code }]);
const pullCustom = (message: string, options: { expected?: boolean } = {}) =>
  validationFailed([{ resource: "PullRequest", code: "custom", message }], options);

export function pullRoutes(env: RouteEnv): Route[] {
  const { state, urls } = env;
  const pullOf = (request: RouteRequest) => {
    const issue = state.issue(request.param("owner"), request.param("repo"), Number(request.param("number")));
    return issue?.pull === undefined ? undefined : issue;
  };
  const openDuplicate = (owner: string, repo: string, headLabel: string, base: string, except?: number) =>
    state
      .issuesOf(owner, repo)
      .find(
        (issue) =>
          issue.number !== except &&
          issue.state === "open" &&
          issue.pull !== undefined &&
          `${issue.pull.head.owner}:${issue.pull.head.ref}`.toLowerCase() === headLabel.toLowerCase() &&
          issue.pull.base.ref === base,
      );

  const create = async (request: RouteRequest): Promise<Reply> => {
    const parsed = parseBody(createBody, request.body);
    if ("reply" in parsed) return parsed.reply;
    const { title, head, base } = parsed.data;
    if (title === undefined) return pullError("title", "missing_field");
    if (head === undefined) return pullError("head", "missing_field");
    if (base === undefined) return pullError("base", "missing_field");
    const baseRepo = state.repo(request.param("owner"), request.param("repo"));
    const [headOwner, headRef] = head.includes(":") ? head.split(":", 2) : [baseRepo.owner, head];
    const headRepo =
      headOwner?.toLowerCase() === baseRepo.owner.toLowerCase()
        ? baseRepo
        : state.findRepo(headOwner ?? "", parsed.data.head_repo ?? baseRepo.name);
    const baseSha = await branchSha(env, baseRepo, base);
    if (baseSha === undefined) return pullError("base", "invalid");
    const headSha = headRepo && headRef ? await branchSha(env, headRepo, headRef) : undefined;
    if (headRepo === undefined || headRef === undefined || headSha === undefined)
      return pullError("head", "invalid");
    const headLabel = `${headRepo.owner}:${headRef}`;
    if (openDuplicate(baseRepo.owner, baseRepo.name, headLabel, base)) {
      // Two writers racing to open the same pull request is not a bug of either.
      return pullCustom(`A pull request already exists for ${headLabel}.`, { expected: true });
    }
    if (
      baseRepo.gitDir !== undefined &&
      (await env.git.commitsBetween(baseRepo.gitDir, baseSha, headSha)) === 0
    ) {
      return pullCustom(`No commits between ${base} and ${headRef}`);
    }
    const now = timestamp();
    const issue: IssueRecord = {
      owner: baseRepo.owner,
      repo: baseRepo.name,
      number: state.nextIssueNumber(baseRepo.owner, baseRepo.name),
      id: state.nextId(),
      title,
      body: parsed.data.body ?? null,
      state: "open",
      locked: false,
      user: state.botActor,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      pull: {
        head: { owner: headRepo.owner, repo: headRepo.name, ref: headRef, sha: headSha },
        base: { ref: base, sha: baseSha },
        draft: parsed.data.draft ?? false,
        maintainerCanModify: parsed.data.maintainer_can_modify ?? true,
      },
    };
    state.putIssue(issue);
    return ok(renderPullRequest(state, issue, urls()), 201);
  };

  const update = async (request: RouteRequest): Promise<Reply> => {
    const issue = pullOf(request);
    if (issue?.pull === undefined) return notFound();
    const parsed = parseBody(updateBody, request.body);
    if ("reply" in parsed) return parsed.reply;
    const changes = parsed.data;
    if (changes.base !== undefined) {
      const baseSha = await branchSha(env, state.repo(issue.owner, issue.repo), changes.base);
      if (baseSha === undefined) return pullError("base", "invalid");
      issue.pull.base = { ref: changes.base, sha: baseSha };
    }
    if (changes.state === "open" && issue.state === "closed") {
      const headLabel = `${issue.pull.head.owner}:${issue.pull.head.ref}`;
      if (openDuplicate(issue.owner, issue.repo, headLabel, issue.pull.base.ref, issue.number)) {
        return pullCustom(`A pull request already exists for ${headLabel}.`);
      }
    }
    const now = timestamp();
    if (changes.title !== undefined) issue.title = changes.title;
    if (changes.body !== undefined) issue.body = changes.body;
    if (changes.maintainer_can_modify !== undefined)
      issue.pull.maintainerCanModify = changes.maintainer_can_modify;
    if (changes.state !== undefined && changes.state !== issue.state) {
      issue.state = changes.state;
      issue.closedAt = changes.state === "closed" ? now : null;
    }
    issue.updatedAt = now;
    return ok(renderPullRequest(state, issue, urls()));
  };

  const list = (request: RouteRequest): Reply => {
    const owner = request.param("owner");
    const repo = request.param("repo");
    const { query } = request;
    const wantedState = query.get("state") ?? "open";
    const head = query.get("head");
    const headLabel = head === null ? undefined : head.includes(":") ? head : `${owner}:${head}`;
    const base = query.get("base");
    const descending = (query.get("direction") ?? "desc") === "desc";
    const pulls = state
      .issuesOf(owner, repo)
      .filter((issue) => issue.pull !== undefined)
      .filter((issue) => wantedState === "all" || issue.state === wantedState)
      .filter(
        (issue) =>
          headLabel === undefined ||
          `${issue.pull?.head.owner}:${issue.pull?.head.ref}`.toLowerCase() === headLabel.toLowerCase(),
      )
      .filter((issue) => base === null || issue.pull?.base.ref === base)
      .sort((a, b) => (descending ? b.id - a.id : a.id - b.id));
    const page = paginate(pulls, query, `${urls().api}/repos/${owner}/${repo}/pulls`);
    return pageReply(
      page,
      page.items.map((issue) => renderPullRequest(state, issue, urls())),
    );
  };

  return [
    {
      method: "GET",
      pattern: "/repos/:owner/:repo/pulls/:number",
      auth: "installation-token",
      handler: (request) => {
        const issue = pullOf(request);
        return issue ? ok(renderPullRequest(state, issue, urls())) : notFound();
      },
    },
    { method: "GET", pattern: "/repos/:owner/:repo/pulls", auth: "installation-token", handler: list },
    { method: "POST", pattern: "/repos/:owner/:repo/pulls", auth: "installation-token", handler: create },
    {
      method: "PATCH",
      pattern: "/repos/:owner/:repo/pulls/:number",
      auth: "installation-token",
      handler: update,
    },
  ];
}
