// The app's own endpoints (app JWT): mint installation tokens, describe the app, find the
// installation of a repository.
import type { components } from "@octokit/openapi-types";
import { appPermissions, renderApp, renderInstallation } from "../render-common.ts";
import { notFound, ok } from "../replies.ts";
import type { Route, RouteEnv } from "../router.ts";

type InstallationToken = components["schemas"]["installation-token"];

export function appRoutes({ state, urls, auth }: RouteEnv): Route[] {
  return [
    {
      method: "POST",
      pattern: "/app/installations/:installationId/access_tokens",
      auth: "app-jwt",
      handler: ({ param }) => {
        const installationId = Number(param("installationId"));
        if (!Number.isSafeInteger(installationId) || installationId <= 0) return notFound();
        const issued = auth.issueToken(installationId);
        return ok(
          {
            token: issued.token,
            expires_at: issued.expiresAt,
            permissions: appPermissions,
            repository_selection: "all",
          } satisfies InstallationToken,
          201,
        );
      },
    },
    { method: "GET", pattern: "/app", auth: "app-jwt", handler: () => ok(renderApp(state.app, urls())) },
    {
      method: "GET",
      pattern: "/repos/:owner/:repo/installation",
      auth: "app-jwt",
      handler: ({ param }) =>
        ok(renderInstallation(state.app, state.repo(param("owner"), param("repo")), urls())),
    },
  ];
}
