// Who may run agents: read from the collaborator-permission API, never from the comment's
// author_association (which shows private organization members as CONTRIBUTOR).
import { z } from "zod";
import type { GitHubClient } from "./github-app.ts";

const permissionLevels = ["none", "read", "triage", "write", "maintain", "admin"] as const;
const permissionLevel = z.enum(permissionLevels);
export type PermissionLevel = z.infer<typeof permissionLevel>;

/** The answer's two fields that say a level; a word Flotilla does not know reads as none. */
const permissionAnswer = z.object({
  role_name: permissionLevel.optional().catch(undefined),
  permission: permissionLevel.catch("none"),
});

export async function getPermissionLevel(
  client: GitHubClient,
  repository: { owner: string; repo: string },
  username: string,
): Promise<PermissionLevel> {
  const { data } = await client.rest.repos.getCollaboratorPermissionLevel({ ...repository, username });
  // `role_name` distinguishes maintain and triage; `permission` folds them into write and read.
  const answer = permissionAnswer.parse(data);
  return answer.role_name ?? answer.permission;
}

export function meetsPermission(actual: PermissionLevel, required: PermissionLevel): boolean {
  return permissionLevels.indexOf(actual) >= permissionLevels.indexOf(required);
}
