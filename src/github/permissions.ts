// Who may run agents: read from the collaborator-permission API, never from the comment's
// author_association (which shows private organization members as CONTRIBUTOR).
import type { GitHubClient } from "./github-app.ts";

export const permissionLevels = ["none", "read", "triage", "write", "maintain", "admin"] as const;
export type PermissionLevel = (typeof permissionLevels)[number];

export async function getPermissionLevel(
  client: GitHubClient,
  repository: { owner: string; repo: string },
  username: string,
): Promise<PermissionLevel> {
  const { data } = await client.rest.repos.getCollaboratorPermissionLevel({ ...repository, username });
  // `role_name` distinguishes maintain and triage; `permission` folds them into write and read.
  const role = (data as { role_name?: string }).role_name;
  if (role !== undefined && (permissionLevels as readonly string[]).includes(role))
    return role as PermissionLevel;
  return (permissionLevels as readonly string[]).includes(data.permission)
    ? (data.permission as PermissionLevel)
    : "none";
}

export function meetsPermission(actual: PermissionLevel, required: PermissionLevel): boolean {
  return permissionLevels.indexOf(actual) >= permissionLevels.indexOf(required);
}
