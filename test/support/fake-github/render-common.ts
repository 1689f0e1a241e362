// Users, repositories, the app and its installation in the exact shapes of GitHub's REST API
// (typed against @octokit/openapi-types), with URLs under the fake's own host as on GHE.
import { createHash } from "node:crypto";
import type { components } from "@octokit/openapi-types";
import type { Actor, AppIdentity, RepoRecord } from "./state.ts";

type Schemas = components["schemas"];

export interface Urls {
  /** `http://127.0.0.1:<port>/api/v3` */
  api: string;
  /** `http://127.0.0.1:<port>` */
  web: string;
}

const fixedCreatedAt = "2026-01-01T00:00:00Z";

/** A stable numeric id for a login, so the same user has the same id in every response. */
export function actorId(login: string): number {
  return Number.parseInt(createHash("sha1").update(login.toLowerCase()).digest("hex").slice(0, 7), 16);
}

export function renderUser(actor: Actor, urls: Urls): Schemas["simple-user"] {
  const api = `${urls.api}/users/${actor.login}`;
  return {
    login: actor.login,
    id: actorId(actor.login),
    node_id: Buffer.from(`04:User${actorId(actor.login)}`).toString("base64"),
    avatar_url: `${urls.web}/avatars/u/${actorId(actor.login)}`,
    gravatar_id: "",
    url: api,
    html_url: `${urls.web}/${actor.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: actor.type,
    site_admin: false,
    user_view_type: "public",
  };
}

export function renderRepository(repo: RepoRecord, urls: Urls): Schemas["repository"] {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  return {
    id: repo.id,
    node_id: Buffer.from(`010:Repository${repo.id}`).toString("base64"),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    license: null,
    forks: 0,
    owner: renderUser({ login: repo.owner, type: "User" }, urls),
    private: repo.private,
    html_url: `${urls.web}/${repo.owner}/${repo.name}`,
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://${new URL(urls.web).host}/${repo.owner}/${repo.name}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@${new URL(urls.web).hostname}:${repo.owner}/${repo.name}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: repo.cloneUrl ?? `${urls.web}/${repo.owner}/${repo.name}.git`,
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: `${urls.web}/${repo.owner}/${repo.name}`,
    homepage: null,
    language: null,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues_count: 0,
    has_issues: true,
    has_projects: true,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    archived: false,
    disabled: false,
    visibility: repo.private ? "private" : "public",
    pushed_at: fixedCreatedAt,
    created_at: fixedCreatedAt,
    updated_at: fixedCreatedAt,
    open_issues: 0,
    watchers: 0,
  };
}

export const appPermissions = {
  checks: "write",
  contents: "write",
  issues: "write",
  metadata: "read",
  pull_requests: "write",
} satisfies Schemas["app-permissions"];

const appEvents = ["check_run", "issue_comment", "pull_request", "pull_request_review_comment"];

export function renderApp(app: AppIdentity, urls: Urls): Schemas["integration"] {
  return {
    id: app.id,
    slug: app.slug,
    node_id: Buffer.from(`03:Integration${app.id}`).toString("base64"),
    client_id: `Iv1.fake${app.id}`,
    owner: renderUser({ login: "flotilla-owner", type: "Organization" }, urls),
    name: app.name,
    description: "Stand-in app served by the fake GitHub used in Flotilla's tests.",
    external_url: `${urls.web}/apps/${app.slug}`,
    html_url: `${urls.web}/apps/${app.slug}`,
    created_at: fixedCreatedAt,
    updated_at: fixedCreatedAt,
    permissions: appPermissions,
    events: appEvents,
    installations_count: 1,
  };
}

export function renderInstallation(app: AppIdentity, repo: RepoRecord, urls: Urls): Schemas["installation"] {
  const account = renderUser({ login: repo.owner, type: "User" }, urls);
  return {
    id: repo.installationId,
    account,
    repository_selection: "all",
    access_tokens_url: `${urls.api}/app/installations/${repo.installationId}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url: `${urls.web}/settings/installations/${repo.installationId}`,
    app_id: app.id,
    target_id: account.id,
    target_type: "User",
    permissions: appPermissions,
    events: appEvents,
    created_at: fixedCreatedAt,
    updated_at: fixedCreatedAt,
    single_file_name: null,
    app_slug: app.slug,
    suspended_by: null,
    suspended_at: null,
  };
}
