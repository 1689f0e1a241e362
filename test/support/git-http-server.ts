// Test repositories over authenticated smart HTTP, as GitHub serves them: `git http-backend` (the
// CGI that ships with git) behind a server on 127.0.0.1 that demands `Authorization: Basic
// x-access-token:<installation token>` with a live token the stand-in GitHub issued for the
// repository's installation, answers 401 to anything else, and records who used which token.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { basename, dirname } from "node:path";
import { execa } from "execa";
import { isolatedGitEnv } from "./git-fixtures.ts";
import { readCgiHead } from "./git-http/cgi-head.ts";
import { closeServer, listenOnLoopback, loopbackOrigin } from "./loopback-server.ts";

/** What the stand-in GitHub says about a token presented for a repository. */
export type GitAccess = { installationId: number } | { refused: string };

export interface GitTokenChecker {
  gitAccess(token: string, owner: string, repo: string): GitAccess;
}

export interface GitHttpRequest {
  method: string;
  /** The path after the repository, e.g. `/info/refs` or `/git-receive-pack`. */
  path: string;
  /** `owner/repo` as asked for (undefined when the path names no repository). */
  repository: string | undefined;
  /** `git-upload-pack` (fetch) or `git-receive-pack` (push). */
  service: string | undefined;
  /** The password of the Basic credentials, when any were presented. */
  token: string | undefined;
  /** The user name of the Basic credentials, when any were presented. */
  user: string | undefined;
  /** Why the request was refused, when it was. */
  refused: string | undefined;
  installationId: number | undefined;
  status: number;
  time: number;
}

const repositoryPath = /^\/([^/]+)\/([^/]+?\.git)(\/.*)$/;

export class GitHttpServer {
  readonly requests: GitHttpRequest[] = [];
  private readonly repositories = new Map<string, string>();
  private readonly tokens: GitTokenChecker;
  private readonly server: Server;
  /** While set, pushes wait for it (see holdPushes). */
  private pushGate: Promise<void> | undefined;
  /** While set, what each push meets at the gate (see holdPushes). */
  private pushDecision: (() => Promise<"fail" | "hold">) | undefined;
  /** Pushes that were held (some may have lost their client meanwhile). */
  heldPushes = 0;

  constructor(tokens: GitTokenChecker) {
    this.tokens = tokens;
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
        response.end(`git test server failed: ${String(error)}\n`);
      });
    });
  }

  start(): Promise<void> {
    return listenOnLoopback(this.server);
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  get origin(): string {
    return loopbackOrigin(this.server, "git server");
  }

  /** Serves the bare repository `gitDir` as `owner/repo`; returns its clone URL. */
  serve(owner: string, repo: string, gitDir: string): string {
    this.repositories.set(`${owner}/${repo}.git`.toLowerCase(), gitDir);
    return this.cloneUrl(owner, repo);
  }

  cloneUrl(owner: string, repo: string): string {
    return `${this.origin}/${owner}/${repo}.git`;
  }

  /**
   * Holds every push (its requests) until the function returned is called: a worker can be
   * caught in the middle of one, as a host lost while it pushes is. With `decide`, each push asks
   * it first, and one it answers "fail" fails at once (500) instead of waiting.
   */
  holdPushes(decide?: () => Promise<"fail" | "hold">): () => void {
    let release: () => void = () => {};
    this.pushGate = new Promise((resolve) => {
      release = resolve;
    });
    this.pushDecision = decide;
    return () => {
      this.pushGate = undefined;
      this.pushDecision = undefined;
      release();
    };
  }

  /** Pushes (receive-pack requests) that were let through, oldest first. */
  pushes(): GitHttpRequest[] {
    return this.requests.filter(
      (entry) => entry.service === "git-receive-pack" && entry.refused === undefined,
    );
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://git.invalid");
    const matched = repositoryPath.exec(url.pathname);
    const [, owner = "", repoWithSuffix = "", rest = ""] = matched ?? [];
    const repo = repoWithSuffix.replace(/\.git$/, "");
    const credentials = basicCredentials(request.headers.authorization);
    const entry: GitHttpRequest = {
      method: request.method ?? "GET",
      path: matched ? rest : url.pathname,
      repository: matched ? `${owner}/${repo}` : undefined,
      service: url.searchParams.get("service") ?? (/^\/git-[a-z-]+$/.test(rest) ? rest.slice(1) : undefined),
      token: credentials?.password,
      user: credentials?.user,
      refused: undefined,
      installationId: undefined,
      status: 0,
      time: Date.now(),
    };
    this.requests.push(entry);

    const refuse = (status: number, reason: string, message: string) => {
      entry.refused = reason;
      entry.status = status;
      request.resume();
      response.writeHead(status, {
        "content-type": "text/plain; charset=utf-8",
        ...(status === 401 ? { "www-authenticate": 'Basic realm="GitHub"' } : {}),
      });
      response.end(`${message}\n`);
    };
    // GitHub asks for credentials before it says whether a repository exists.
    if (credentials === undefined) return refuse(401, "no credentials", "Authentication required.");
    if (credentials.user !== "x-access-token") {
      return refuse(401, `user ${credentials.user} is not x-access-token`, invalidCredentials);
    }
    const gitDir = matched ? this.repositories.get(`${owner}/${repoWithSuffix}`.toLowerCase()) : undefined;
    if (gitDir === undefined) return refuse(404, "no such repository", "Repository not found.");
    const access = this.tokens.gitAccess(credentials.password, owner, repo);
    if ("refused" in access) return refuse(401, access.refused, invalidCredentials);
    entry.installationId = access.installationId;
    // Its first request too: a push with nothing new sends no pack, only asks for the refs.
    if (entry.service === "git-receive-pack" && this.pushGate !== undefined) {
      if ((await this.pushDecision?.()) === "fail")
        return refuse(500, "failed on purpose", "The push failed (test git server).");
      this.heldPushes += 1;
      await this.pushGate;
    }
    entry.status = await runHttpBackend(request, response, { gitDir, rest, query: url.search.slice(1) });
  }
}

const invalidCredentials =
  "Invalid username or token. Password authentication is not supported for Git operations.";

function basicCredentials(header: string | undefined): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Runs one CGI request through `git http-backend`; returns the status it answered. */
async function runHttpBackend(
  request: IncomingMessage,
  response: ServerResponse,
  target: { gitDir: string; rest: string; query: string },
): Promise<number> {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  };
  const optional = (name: string, value: string | undefined) =>
    value === undefined ? {} : { [name]: value };
  const backend = execa("git", ["http-backend"], {
    env: {
      ...isolatedGitEnv,
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      GIT_PROJECT_ROOT: dirname(target.gitDir),
      GIT_HTTP_EXPORT_ALL: "1",
      PATH_INFO: `/${basename(target.gitDir)}${target.rest}`,
      REQUEST_METHOD: request.method ?? "GET",
      QUERY_STRING: target.query,
      // A REMOTE_USER is what lets http-backend accept pushes (receive-pack).
      REMOTE_USER: "x-access-token",
      REMOTE_ADDR: "127.0.0.1",
      ...optional("CONTENT_TYPE", header("content-type")),
      ...optional("CONTENT_LENGTH", header("content-length")),
      ...optional("HTTP_CONTENT_ENCODING", header("content-encoding")),
      ...optional("HTTP_GIT_PROTOCOL", header("git-protocol")),
    },
    extendEnv: false,
    buffer: false,
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    reject: false,
  });
  // A backend that stops reading early (a refused push) must not take the server down.
  backend.stdin.on("error", () => undefined);
  request.pipe(backend.stdin);
  const head = await readCgiHead(backend.stdout);
  response.writeHead(head.status, head.headers);
  if (head.bodyStart.length > 0) response.write(head.bodyStart);
  backend.stdout.pipe(response);
  const stderr: Buffer[] = [];
  backend.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  const result = await backend;
  if (result.exitCode !== 0 && head.status < 400) {
    // Too late for a status code; git on the other side reports the broken stream.
    console.warn(`git http-backend exited ${result.exitCode}: ${Buffer.concat(stderr).toString("utf8")}`);
  }
  return head.status;
}
