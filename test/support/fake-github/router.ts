// Matches `METHOD /path` against route patterns: `:name` takes one URL-decoded segment, a final
// `*name` takes the rest (contents paths arrive both as `a/b.yml` and as `a%2Fb.yml`).
import type { AppAuth, Caller } from "./app-auth.ts";
import type { GitReader } from "./git-reader.ts";
import type { Urls } from "./render-common.ts";
import type { Reply } from "./replies.ts";
import type { FakeState } from "./state.ts";

export interface RouteRequest {
  /** A path parameter of the route's pattern (URL-decoded). */
  param: (name: string) => string;
  query: URLSearchParams;
  body: unknown;
  accept: string;
  caller: Caller;
}

export interface Route {
  method: string;
  pattern: string;
  /** The credentials GitHub requires on this route ("none": anyone, as for a manifest's code). */
  auth: "app-jwt" | "installation-token" | "none";
  handler: (request: RouteRequest) => Reply | Promise<Reply>;
}

/** What route handlers share: the state, the URLs of the running server, auth and git. */
export interface RouteEnv {
  state: FakeState;
  urls: () => Urls;
  auth: AppAuth;
  git: GitReader;
}

export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | undefined {
  const segments = path.split("/").slice(1);
  for (const route of routes) {
    if (route.method !== method) continue;
    const params = matchSegments(route.pattern.split("/").slice(1), segments);
    if (params) return { route, params };
  }
  return undefined;
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const segment = segments[index];
    if (part.startsWith("*")) {
      const rest = segments.slice(index).map(decodeURIComponent).join("/");
      if (rest.length === 0) return undefined;
      params[part.slice(1)] = rest;
      return params;
    }
    if (segment === undefined || segment.length === 0) return undefined;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(segment);
    else if (part !== segment) return undefined;
  }
  return segments.length === pattern.length ? params : undefined;
}
