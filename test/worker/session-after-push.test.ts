// The session an agent resumes from on another host must never be ahead of its pushed branch: a
// session that remembers writing a file the restored worktree lacks ends the agent without that
// work (found by test/e2e/fleet-crashes.test.ts: a leaf ended with no changes and no pull request).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { saveSessionAfterPush } from "../../src/agent/session-checkpoint.ts";
import { sessionFilePath } from "../../src/agent/session-file.ts";
import { SessionArchive } from "../../src/store/session-archive.ts";
import { type AgentPaths, agentPaths } from "../../src/workspace/data-paths.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();
const sessionId = "session-1";
const cwd = "/work/r1/east";

/** One agent per test: the archive is kept for the whole file. */
let agentId: string;
let tests = 0;
let dataDir: string;
let paths: AgentPaths;
let archive: SessionArchive;

async function sessionSays(text: string): Promise<void> {
  const file = sessionFilePath(paths.claudeConfigDir, cwd, sessionId);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ type: "assistant", text })}\n`);
}

async function savedSession(): Promise<string | undefined> {
  return (await archive.load(agentId, sessionId))?.toString("utf8");
}

beforeEach(async () => {
  tests += 1;
  agentId = `r${tests}/east`;
  dataDir = await mkdtemp(join(tmpdir(), "flotilla-session-push-"));
  paths = agentPaths(dataDir, agentId);
  archive = new SessionArchive(testRedis.redis, testRedis.keys);
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("saveSessionAfterPush", () => {
  it("keeps the earlier saved session when the push does not end (host lost, push refused)", async () => {
    await sessionSays("paused a while");
    await saveSessionAfterPush(archive, agentId, sessionId, paths, cwd, async () => "pushed");
    // The agent wrote east.md, then its host was lost while its work was being pushed.
    await sessionSays("File created successfully: east.md");
    const push = saveSessionAfterPush(archive, agentId, sessionId, paths, cwd, async () => {
      throw new Error("host lost during the push");
    });
    await expect(push).rejects.toThrow("host lost during the push");
    expect(await savedSession()).toContain("paused a while");
  });

  it("saves the session as it was before the push began, not what the agent did meanwhile", async () => {
    await sessionSays("File created successfully: east.md");
    const pushed = await saveSessionAfterPush(archive, agentId, sessionId, paths, cwd, async () => {
      // A turn that ends after the commit was taken is not in the pushed work.
      await sessionSays("File created successfully: later.md");
      expect(await savedSession()).toBeUndefined();
      return "sha";
    });
    expect(pushed).toBe("sha");
    expect(await savedSession()).toContain("east.md");
  });

  it("saves nothing while the CLI has not written its session, and still pushes", async () => {
    let pushes = 0;
    await saveSessionAfterPush(archive, agentId, sessionId, paths, cwd, async () => {
      pushes += 1;
    });
    expect(pushes).toBe(1);
    expect(await savedSession()).toBeUndefined();
  });
});
