// The pinned `claude` CLI, in the environment Flotilla gives its agents, has written a new
// session's prompt to its session file before its first model request leaves it
// (CLAUDE_CODE_EAGER_FLUSH, docs/cli-facts.md §9). That is what lets the gateway's hold of an
// agent's first model call (until the worker has kept the session) end at its first look.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildClaudeArguments } from "../../src/agent/claude-arguments.ts";
import { sessionFilePath } from "../../src/agent/session-file.ts";
import { signalProcessGroup } from "../../src/process/run-command.ts";
import { type AgentSandbox, createAgentSandbox, startCli } from "./cli-run.ts";

const prompt = "Summarise the README in one line";

/** What the session file held when a model request arrived (read before answering it). */
let seenAtRequest: ((lines: Record<string, unknown>[] | "missing") => void) | undefined;
let sessionFile = "";
let server: Server;
let sandbox: AgentSandbox;

function readSessionLines(): Record<string, unknown>[] | "missing" {
  let text: string;
  try {
    text = readFileSync(sessionFile, "utf8");
  } catch {
    return "missing";
  }
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

beforeAll(async () => {
  // A model that never answers: the CLI's first request stays open until the test kills it.
  server = createServer((request) => {
    request.resume();
    if (request.url?.startsWith("/v1/messages") === true && !request.url.includes("count_tokens"))
      seenAtRequest?.(readSessionLines());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the model stand-in has no port");
  sandbox = await createAgentSandbox(`http://127.0.0.1:${address.port}`);
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await sandbox?.cleanup();
});

describe("a new session's file and the CLI's first model request", () => {
  it("holds the prompt before the request arrives", async () => {
    const sessionId = randomUUID();
    sessionFile = sessionFilePath(sandbox.claudeConfigDir, sandbox.cwd, sessionId);
    const seen = new Promise<Record<string, unknown>[] | "missing">((resolve) => {
      seenAtRequest = resolve;
    });
    const run = startCli(
      sandbox,
      buildClaudeArguments({
        message: prompt,
        sessionId,
        resume: false,
        allowedTools: ["Read"],
        maxTurns: 2,
      }),
    );
    try {
      const lines = await seen;
      expect(lines).not.toBe("missing");
      const users = (lines === "missing" ? [] : lines).filter((line) => line.type === "user");
      expect(JSON.stringify(users)).toContain(prompt);
    } finally {
      signalProcessGroup(run.process.pid, "SIGKILL");
      await run.process.catch(() => undefined);
    }
  });
});
