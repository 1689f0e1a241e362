// `GET /repos/{owner}/{repo}/branches/{branch}`: the branch's head commit, from the linked git
// directory (an issue's agents start from the default branch's head). Only the fields Flotilla
// reads are filled in beyond the name: `commit.sha` and `commit.url`.
import { notFound, ok } from "../replies.ts";
import type { Route, RouteEnv } from "../router.ts";
import { branchSha } from "./pulls.ts";

export function branchRoutes(env: RouteEnv): Route[] {
  const { state, urls } = env;
  return [
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
