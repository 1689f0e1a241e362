// What a route answers, and GitHub's error bodies: `{ message, errors?, documentation_url, status }`
// with the same wording GitHub uses, so Octokit's RequestError reads the same as in production.
// A reply to a request the real GitHub would refuse or ignore names the rule it broke
// (`violation`): the fake records it, and a test that leaves one unexamined fails.
import type { z } from "zod";

export interface Reply {
  status: number;
  /** Serialized as JSON unless `text` is set. */
  body?: unknown;
  /** A non-JSON body (raw file contents). */
  text?: string;
  headers?: Record<string, string>;
  /** The GitHub rule the request broke, when it broke one (recorded as a violation). */
  violation?: string;
}

export interface ValidationError {
  resource: string;
  code: "missing_field" | "invalid" | "custom" | "unprocessable" | "already_exists";
  field?: string;
  message?: string;
}

const docs = "https://docs.github.com/rest";

export function ok(body: unknown, status = 200, headers: Record<string, string> = {}): Reply {
  return { status, body, headers };
}

export function notFound(): Reply {
  return { status: 404, body: { message: "Not Found", documentation_url: docs, status: "404" } };
}

export function badCredentials(): Reply {
  return { status: 401, body: { message: "Bad credentials", documentation_url: docs, status: "401" } };
}

/**
 * GitHub's 422 with a list of errors. Counted as a violation unless `expected` says the caller
 * could not have known better (a duplicate made by a race).
 */
export function validationFailed(errors: ValidationError[], options: { expected?: boolean } = {}): Reply {
  const violation = errors
    .map((error) => error.message ?? `${error.resource}.${error.field}: ${error.code}`)
    .join("; ");
  return {
    status: 422,
    body: { message: "Validation Failed", errors, documentation_url: docs, status: "422" },
    ...(options.expected === true ? {} : { violation }),
  };
}

/** GitHub's JSON-schema rejection, e.g. `Invalid request.\n\n"head_sha" wasn't supplied.` */
export function invalidRequest(detail: string): Reply {
  const message = detail.startsWith("Invalid request.") ? detail : `Invalid request.\n\n${detail}`;
  return {
    status: 422,
    body: { message, documentation_url: docs, status: "422" },
    violation: message,
  };
}

/** Parses a request body with `schema`, or answers 422 the way GitHub's schema validator does. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): { data: T } | { reply: Reply } {
  const result = schema.safeParse(body ?? {});
  if (result.success) return { data: result.data };
  const issue = result.error.issues[0];
  const path = (issue?.path ?? []).map(String);
  const supplied = path.reduce<unknown>(
    (value, key) => (typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined),
    body,
  );
  if (supplied === undefined && path.length > 0)
    return { reply: invalidRequest(`"${path.at(-1)}" wasn't supplied.`) };
  return {
    reply: invalidRequest(
      `For '${path.join("/")}', ${JSON.stringify(supplied)} is not valid: ${issue?.message}.`,
    ),
  };
}

export interface Page<T> {
  items: T[];
  /** The `Link` header (`rel="next"`, `"last"`, `"first"`, `"prev"`), absent on a single page. */
  link: string | undefined;
}

/** GitHub's page-number pagination: `per_page` (default 30, at most 100) and `page` (from 1). */
export function paginate<T>(items: readonly T[], query: URLSearchParams, selfUrl: string): Page<T> {
  const perPage = Math.min(100, Math.max(1, Number(query.get("per_page") ?? 30) || 30));
  const page = Math.max(1, Number(query.get("page") ?? 1) || 1);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const slice = items.slice((page - 1) * perPage, page * perPage);
  if (lastPage === 1) return { items: slice, link: undefined };
  const urlFor = (target: number) => {
    const params = new URLSearchParams(query);
    params.set("per_page", String(perPage));
    params.set("page", String(target));
    return `<${selfUrl}?${params.toString()}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${urlFor(page - 1)}; rel="prev"`);
  if (page < lastPage) links.push(`${urlFor(page + 1)}; rel="next"`);
  links.push(`${urlFor(lastPage)}; rel="last"`);
  if (page > 1) links.push(`${urlFor(1)}; rel="first"`);
  return { items: slice, link: links.join(", ") };
}

export function pageReply<T>(page: Page<T>, body: unknown): Reply {
  return ok(body, 200, page.link === undefined ? {} : { link: page.link });
}
