// `GET /repos/{owner}/{repo}/branches/{branch}`: the branch's head commit, from the linked git
// directory (an issue's agents start from the default branch's head). Only the fields Flotilla
// reads are filled in beyond the name: `commit.sha` and `commit.url`.
import { execa } from "execa";
import { isolatedGitEnv } from "../../git-fixtures.ts";
import { notFound, ok, validationFailed } from "../replies.ts";
import type { Route, RouteEnv } from "../router.ts";
import { branchSha } from "./pulls.ts";

export function branchRoutes(env: RouteEnv): Route[] {
  const { state, urls } = env;
  return [
    {
      // Deletes a branch of the linked git directory; GitHub answers 422 for a ref that is not there.
      method: "DELETE",
      pattern: "/repos/:owner/:repo/git/refs/*ref",
      auth: "installation-token",
      handler: async ({ param }) => {
        const repo = state.repo(param("owner"), param("repo"));
        const ref = `refs/${param("ref")}`;
        if (repo.gitDir === undefined || !ref.startsWith("refs/heads/")) return notFound();
        const deleted = await execa(
          "git",
          ["update-ref", "-d", ref, (await branchSha(env, repo, ref)) ?? "0".repeat(40)],
          {
            cwd: repo.gitDir,
            env: isolatedGitEnv,
            reject: false,
          },
        );
        if (deleted.exitCode !== 0)
          return validationFailed(
            [{ resource: "Reference", code: "custom", message: "Reference does not exist" }],
            {
              expected: true,
            },
          );
        return { status: 204 };
      },
    },
    {
      method: "GET",
      pattern: "/repos/:owner/:repo/branches/*branch",
      auth: "installation-token",
      handler: async ({ param }) => {
        const repo = state.repo(param("owner"), param("repo"));
        const name = param("branch");
        const sha = repo.gitDir === undefined ? undefined : await branchSha(env, repo, name);
        if (sha === undefined) return notFound();
        const api = `${urls().api}/repos/${repo.owner}/${repo.name}`;
        return ok({
          name,
          commit: { sha, url: `${api}/commits/${sha}` },
          protected: false,
          _links: {
            self: `${api}/branches/${name}`,
            html: `${urls().web}/${repo.owner}/${repo.name}/tree/${name}`,
          },
        });
      },
    },
  ];
}
