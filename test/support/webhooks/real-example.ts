// Loads GitHub's real example payloads from @octokit/webhooks-examples and moves one to a test's
// repository: every URL and name of the example's repository is rewritten, then the builders
// change the few fields a test cares about.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** Where the event happens: the repository (git reachable at `cloneUrl`) and the app installation. */
export interface RepositoryTarget {
  owner: string;
  repo: string;
  /** A bare repository's path or `file://` URL, put in `repository.clone_url`. */
  cloneUrl: string;
  installationId: number;
  /** @defaultValue "main" (the example says "master") */
  defaultBranch?: string;
}

export interface CommentAuthor {
  /** @defaultValue "octocat" */
  login?: string;
  /** @defaultValue "User" */
  userType?: "User" | "Bot";
}

interface WebhookDefinition {
  name: string;
  examples: Record<string, unknown>[];
}

const definitions: WebhookDefinition[] = JSON.parse(
  readFileSync(
    createRequire(import.meta.url).resolve("@octokit/webhooks-examples/api.github.com/index.json"),
    "utf8",
  ),
);

/** The first real example of `name` with this action that carries an `installation`. */
export function realExample(name: string, action: string): Record<string, unknown> {
  const example = definitions
    .find((definition) => definition.name === name)
    ?.examples.find((candidate) => candidate.action === action && "installation" in candidate);
  if (example === undefined)
    throw new Error(`@octokit/webhooks-examples has no ${name}.${action} with installation`);
  return structuredClone(example);
}

/** Rewrites every string naming the example's repository (URLs, full_name) to the test's. */
function retarget(value: unknown, from: string, to: string): unknown {
  if (typeof value === "string") return value === from ? to : value.replaceAll(`/${from}`, `/${to}`);
  if (Array.isArray(value)) return value.map((item) => retarget(item, from, to));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, retarget(item, from, to)]));
  }
  return value;
}

/**
 * The example moved to the test's repository. The single type assertion is here: the payload is
 * GitHub's own, which the schema types describe (the older examples may lack fields added since).
 */
export function adaptedExample<T extends { repository?: unknown }>(
  name: string,
  action: string,
  target: RepositoryTarget,
): T {
  const example = realExample(name, action);
  const repository = example.repository as { full_name: string };
  return retarget(example, repository.full_name, `${target.owner}/${target.repo}`) as T;
}

let lastCommentId = 900_000_000;
export const nextCommentId = () => {
  lastCommentId += 1;
  return lastCommentId;
};

/** The example's user object as the test's author (login, a stable id from it, and type). */
export function asAuthor<T extends { login: string; id: number; type?: string }>(
  base: T | null,
  author: CommentAuthor,
): T {
  if (base === null) throw new Error("The webhook example has no user to adapt");
  const login = author.login ?? "octocat";
  const id = Number.parseInt(createHash("sha1").update(login.toLowerCase()).digest("hex").slice(0, 7), 16);
  return { ...base, login, id, type: author.userType ?? "User" };
}

/** The example's repository as the test's: owner login, name, full_name, clone_url, default_branch. */
export function adaptRepository<
  T extends { name: string; full_name: string; clone_url?: string; default_branch?: string; owner: unknown },
>(repository: T, target: RepositoryTarget): T {
  return {
    ...repository,
    name: target.repo,
    full_name: `${target.owner}/${target.repo}`,
    owner: { ...(repository.owner as object), login: target.owner },
    clone_url: target.cloneUrl,
    default_branch: target.defaultBranch ?? "main",
  };
}
