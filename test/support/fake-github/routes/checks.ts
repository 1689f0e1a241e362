// Check runs: create, update, get, and list for a commit (check_name, status and
// filter=latest|all, paginated as `{ total_count, check_runs }`). Every create and update is
// appended to the run's history, so a test can assert its whole life. As on GitHub, a completed
// check run is final: an update may change its output, but never its status or conclusion.
import { type CheckRunBody, checkRunBody, checkRunRuleBroken } from "../check-run-rules.ts";
import type { Urls } from "../render-common.ts";
import { renderCheckRun } from "../render-records.ts";
import { notFound, ok, pageReply, paginate, parseBody, type Reply } from "../replies.ts";
import type { Route, RouteEnv, RouteRequest } from "../router.ts";
import { type CheckRunRecord, type FakeState, inRepository, timestamp } from "../state.ts";

const fullSha = /^[0-9a-f]{40}$/i;

const noCommit = (ref: string): Reply => ({
  status: 422,
  body: {
    message: `No commit found for SHA: ${ref}`,
    documentation_url: "https://docs.github.com/rest",
    status: "422",
  },
  violation: `No commit found for SHA: ${ref}`,
});

function applyChanges(run: CheckRunRecord, body: CheckRunBody, now: string): void {
  if (body.name !== undefined) run.name = body.name;
  if (body.details_url !== undefined) run.detailsUrl = body.details_url;
  if (body.external_id !== undefined) run.externalId = body.external_id;
  if (body.started_at !== undefined) run.startedAt = body.started_at;
  // GitHub: providing a conclusion sets the status to completed.
  const status = body.conclusion !== undefined ? "completed" : body.status;
  if (status !== undefined) run.status = status;
  if (run.status === "completed") {
    run.conclusion = body.conclusion ?? run.conclusion;
    run.completedAt = body.completed_at ?? run.completedAt ?? now;
  } else {
    run.conclusion = null;
    run.completedAt = null;
  }
  if (body.output !== undefined) {
    run.output = {
      title: body.output.title ?? null,
      summary: body.output.summary ?? null,
      text: body.output.text ?? null,
      annotationsCount: run.output.annotationsCount + (body.output.annotations ?? []).length,
    };
  }
  if (body.actions !== undefined) run.actions = body.actions;
}

function record(
  state: FakeState,
  run: CheckRunRecord,
  action: "created" | "updated",
  request: unknown,
  urls: Urls,
) {
  const events = state.checkRunEvents.get(run.id) ?? [];
  const event = {
    action,
    at: timestamp(),
    request,
    checkRun: renderCheckRun(state, run, urls),
    actions: run.actions.map((button) => ({ ...button })),
  };
  events.push(event);
  state.checkRunEvents.set(run.id, events);
  for (const listener of state.checkRunListeners) listener(event);
}

/** What an update would change of a completed run's status or conclusion, which GitHub ignores. */
function finalStateChange(run: CheckRunRecord, body: CheckRunBody): string | undefined {
  if (run.status !== "completed") return undefined;
  const status = body.conclusion !== undefined ? "completed" : body.status;
  if (status !== undefined && status !== "completed") return `status ${status}`;
  if (body.conclusion !== undefined && body.conclusion !== run.conclusion)
    return `conclusion ${body.conclusion}`;
  return undefined;
}

function withoutFinalState(body: CheckRunBody): CheckRunBody {
  const { status: _status, conclusion: _conclusion, completed_at: _completedAt, ...rest } = body;
  return rest;
}

export function checkRoutes(env: RouteEnv): Route[] {
  const { state, urls } = env;
  const runOf = (request: RouteRequest) => {
    const run = state.checkRuns.get(Number(request.param("checkRunId")));
    return run && inRepository(run, request.param("owner"), request.param("repo")) ? run : undefined;
  };

  const commitExists = async (owner: string, repo: string, sha: string) => {
    if (!fullSha.test(sha)) return false;
    const gitDir = state.repo(owner, repo).gitDir;
    return gitDir === undefined || (await env.git.resolve(gitDir, sha)) === sha.toLowerCase();
  };

  const shaForRef = async (owner: string, repo: string, ref: string) => {
    if (fullSha.test(ref)) return ref.toLowerCase();
    const gitDir = state.repo(owner, repo).gitDir;
    if (gitDir !== undefined) return env.git.resolve(gitDir, ref);
    return state.issuesOf(owner, repo).find((issue) => issue.pull?.head.ref === ref)?.pull?.head.sha;
  };

  const create = async (request: RouteRequest): Promise<Reply> => {
    const parsed = parseBody(checkRunBody, request.body);
    if ("reply" in parsed) return parsed.reply;
    const broken = checkRunRuleBroken(parsed.data, "create");
    if (broken) return broken;
    const owner = request.param("owner");
    const repo = request.param("repo");
    const headSha = parsed.data.head_sha ?? "";
    if (!(await commitExists(owner, repo, headSha))) return noCommit(headSha);
    const now = timestamp();
    const run: CheckRunRecord = {
      id: state.nextId(),
      owner,
      repo,
      name: parsed.data.name ?? "",
      headSha: headSha.toLowerCase(),
      externalId: null,
      detailsUrl: null,
      status: "queued",
      conclusion: null,
      startedAt: now,
      completedAt: null,
      output: { title: null, summary: null, text: null, annotationsCount: 0 },
      actions: [],
    };
    applyChanges(run, parsed.data, now);
    state.checkRuns.set(run.id, run);
    record(state, run, "created", request.body, urls());
    return ok(renderCheckRun(state, run, urls()), 201);
  };

  const update = (request: RouteRequest): Reply => {
    const run = runOf(request);
    if (run === undefined) return notFound();
    const parsed = parseBody(checkRunBody, request.body);
    if ("reply" in parsed) return parsed.reply;
    const broken = checkRunRuleBroken(parsed.data, "update");
    if (broken) return broken;
    const change = finalStateChange(run, parsed.data);
    if (run.status === "completed") applyChanges(run, withoutFinalState(parsed.data), timestamp());
    else applyChanges(run, parsed.data, timestamp());
    record(state, run, "updated", request.body, urls());
    const reply = ok(renderCheckRun(state, run, urls()));
    if (change === undefined) return reply;
    return {
      ...reply,
      violation: `check run ${run.id} is completed (${run.conclusion}); GitHub ignores the change to ${change}: a new attempt needs a new check run`,
    };
  };

  const listForRef = async (request: RouteRequest): Promise<Reply> => {
    const owner = request.param("owner");
    const repo = request.param("repo");
    const sha = await shaForRef(owner, repo, request.param("ref"));
    if (sha === undefined) return noCommit(request.param("ref"));
    const { query } = request;
    const name = query.get("check_name");
    const status = query.get("status");
    let runs = [...state.checkRuns.values()]
      .filter((run) => inRepository(run, owner, repo) && run.headSha === sha)
      .filter((run) => name === null || run.name === name)
      .filter((run) => status === null || run.status === status)
      .sort((a, b) => a.id - b.id);
    if ((query.get("filter") ?? "latest") === "latest") {
      runs = runs.filter((run) => !runs.some((other) => other.name === run.name && other.id > run.id));
    }
    const page = paginate(
      runs,
      query,
      `${urls().api}/repos/${owner}/${repo}/commits/${encodeURIComponent(request.param("ref"))}/check-runs`,
    );
    return pageReply(page, {
      total_count: runs.length,
      check_runs: page.items.map((run) => renderCheckRun(state, run, urls())),
    });
  };

  return [
    {
      method: "POST",
      pattern: "/repos/:owner/:repo/check-runs",
      auth: "installation-token",
      handler: create,
    },
    {
      method: "PATCH",
      pattern: "/repos/:owner/:repo/check-runs/:checkRunId",
      auth: "installation-token",
      handler: update,
    },
    {
      method: "GET",
      pattern: "/repos/:owner/:repo/check-runs/:checkRunId",
      auth: "installation-token",
      handler: (request) => {
        const run = runOf(request);
        return run ? ok(renderCheckRun(state, run, urls())) : notFound();
      },
    },
    {
      method: "GET",
      pattern: "/repos/:owner/:repo/commits/:ref/check-runs",
      auth: "installation-token",
      handler: listForRef,
    },
  ];
}
