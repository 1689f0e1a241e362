// `GET /repos/{owner}/{repo}/collaborators/{username}/permission`, answered from the levels a
// test set with `setPermission` (read when unset).
import type { components } from "@octokit/openapi-types";
import { renderUser } from "../render-common.ts";
import { ok } from "../replies.ts";
import type { Route, RouteEnv } from "../router.ts";
import type { PermissionLevel } from "../state.ts";

type CollaboratorPermission = components["schemas"]["repository-collaborator-permission"];

/** The legacy `permission` field folds maintain into write and triage into read. */
const legacyPermission: Record<PermissionLevel, string> = {
  admin: "admin",
  maintain: "write",
  write: "write",
  triage: "read",
  read: "read",
  none: "none",
};

const rank: Record<PermissionLevel, number> = {
  none: 0,
  read: 1,
  triage: 2,
  write: 3,
  maintain: 4,
  admin: 5,
};

export function permissionRoutes({ state, urls }: RouteEnv): Route[] {
  return [
    {
      method: "GET",
      pattern: "/repos/:owner/:repo/collaborators/:username/permission",
      auth: "installation-token",
      handler: ({ param }) => {
        const login = param("username");
        const level = state.permission(param("owner"), param("repo"), login);
        const has = (at: PermissionLevel) => rank[level] >= rank[at];
        const body: CollaboratorPermission = {
          permission: legacyPermission[level],
          role_name: level,
          user: {
            ...renderUser({ login, type: login.endsWith("[bot]") ? "Bot" : "User" }, urls()),
            permissions: {
              admin: has("admin"),
              maintain: has("maintain"),
              push: has("write"),
              triage: has("triage"),
              pull: has("read"),
            },
            role_name: level,
          },
        };
        return ok(body);
      },
    },
  ];
}
