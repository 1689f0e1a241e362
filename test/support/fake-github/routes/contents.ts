// `GET /repos/{owner}/{repo}/contents/{path}?ref=`: files set by the test first, then the linked
// git directory. Answers base64 JSON like GitHub, or the bare text when the client asks for the
// raw media type, which is how Probot's `context.config` reads `.github/*.yml`.
import { createHash } from "node:crypto";
import type { components } from "@octokit/openapi-types";
import type { TreeEntry } from "../git-reader.ts";
import { notFound, ok, type Reply } from "../replies.ts";
import type { Route, RouteEnv, RouteRequest } from "../router.ts";

type ContentFile = components["schemas"]["content-file"];

/** The object id git gives a blob with this content. */
function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content);
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** Base64 in lines of 60 characters, each ending in a newline, as GitHub sends it. */
function githubBase64(content: string): string {
  const encoded = Buffer.from(content).toString("base64");
  return `${encoded.match(/.{1,60}/g)?.join("\n") ?? ""}\n`;
}

export function contentRoutes(env: RouteEnv): Route[] {
  const { state, urls } = env;

  const fileContent = async (owner: string, repo: string, ref: string, path: string) => {
    const set = state.files.get(state.fileKey(owner, repo, ref, path));
    if (set !== undefined) return set;
    const gitDir = state.repo(owner, repo).gitDir;
    return gitDir === undefined ? undefined : env.git.readFile(gitDir, ref, path);
  };

  const directory = async (owner: string, repo: string, ref: string, path: string) => {
    const prefix = state.fileKey(owner, repo, ref, `${path}/`);
    const names = new Map<string, TreeEntry>();
    for (const [fileKey, content] of state.files) {
      if (!fileKey.startsWith(prefix)) continue;
      const [name = "", ...deeper] = fileKey.slice(prefix.length).split("/");
      const type = deeper.length > 0 ? "dir" : "file";
      const sha = type === "file" ? gitBlobSha(content) : gitBlobSha(name);
      names.set(name, {
        name,
        path: `${path}/${name}`,
        type,
        sha,
        size: type === "file" ? Buffer.byteLength(content) : 0,
      });
    }
    if (names.size > 0) return [...names.values()];
    const gitDir = state.repo(owner, repo).gitDir;
    return gitDir === undefined ? undefined : env.git.listDir(gitDir, ref, path);
  };

  const entryUrls = (owner: string, repo: string, ref: string, entry: { path: string; sha: string }) => {
    const api = `${urls().api}/repos/${owner}/${repo}`;
    const self = `${api}/contents/${entry.path}?ref=${encodeURIComponent(ref)}`;
    const html = `${urls().web}/${owner}/${repo}/blob/${ref}/${entry.path}`;
    const git = `${api}/git/blobs/${entry.sha}`;
    return { url: self, git_url: git, html_url: html, _links: { self, git, html } };
  };

  const get = async (request: RouteRequest): Promise<Reply> => {
    const owner = request.param("owner");
    const repo = request.param("repo");
    const path = request.param("path").replace(/\/+$/, "");
    const ref = request.query.get("ref") ?? state.repo(owner, repo).defaultBranch;
    const content = await fileContent(owner, repo, ref, path);
    if (content !== undefined) {
      if (request.accept.includes("raw")) {
        // As recorded from api.github.com (octokit/fixtures, get-content/raw).
        const headers = {
          "content-type": "application/vnd.github.v3.raw; charset=utf-8",
          "x-github-media-type": "github.v3; param=raw",
        };
        return { status: 200, text: content, headers };
      }
      const sha = gitBlobSha(content);
      const file: ContentFile = {
        type: "file",
        encoding: "base64",
        size: Buffer.byteLength(content),
        name: path.split("/").at(-1) ?? path,
        path,
        content: githubBase64(content),
        sha,
        download_url: `${urls().web}/${owner}/${repo}/raw/${ref}/${path}`,
        ...entryUrls(owner, repo, ref, { path, sha }),
      };
      return ok(file);
    }
    const entries = await directory(owner, repo, ref, path);
    if (entries === undefined) return notFound();
    return ok(
      entries.map((entry) => ({
        type: entry.type,
        size: entry.size,
        name: entry.name,
        path: entry.path,
        sha: entry.sha,
        download_url:
          entry.type === "file" ? `${urls().web}/${owner}/${repo}/raw/${ref}/${entry.path}` : null,
        ...entryUrls(owner, repo, ref, entry),
      })),
    );
  };

  return [
    {
      method: "GET",
      pattern: "/repos/:owner/:repo/contents/*path",
      auth: "installation-token",
      handler: get,
    },
  ];
}
