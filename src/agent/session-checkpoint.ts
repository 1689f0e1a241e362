// Keeps an agent's CLI session resumable from anywhere: saved to Redis after each push of its
// work (never ahead of it), restored into a fresh config dir before `--resume` when missing.
// The session file is in the agent's config dir, which the agent can write: it is read and
// written only through workspace/agent-owned-file.ts (no link followed, size capped). `cwd` is the
// agent's working directory as the CLI sees it (agent-sandbox.ts): the session is filed under it.
import { dirname } from "node:path";
import type { SessionArchive } from "../store/session-archive.ts";
import {
  makeAgentOwnedDirectory,
  readAgentOwnedFile,
  writeNewAgentOwnedFile,
} from "../workspace/agent-owned-file.ts";
import type { AgentPaths } from "../workspace/data-paths.ts";
import { exists } from "../workspace/mirror.ts";
import { sessionFilePath } from "./session-file.ts";

/** Larger sessions are not saved (the agent then starts its session again on its branch). */
const sessionFileMaxBytes = 64 * 1024 * 1024;

/** Saves the session; false when there is none. Throws AgentFileRefusedError for a link or an oversized file. */
export async function saveSession(
  archive: SessionArchive,
  agentId: string,
  sessionId: string,
  paths: AgentPaths,
  cwd: string,
): Promise<boolean> {
  const file = sessionFilePath(paths.claudeConfigDir, cwd, sessionId);
  const content = await readAgentOwnedFile(file, sessionFileMaxBytes);
  if (content === undefined) return false;
  await archive.save(agentId, sessionId, content);
  return true;
}

/**
 * Runs `push` (commit and push the agent's work), then saves the session as it was before `push`
 * began. What the saved session remembers doing is then always on the pushed branch: a host lost,
 * or a push refused, in between leaves the earlier saved session, never one ahead of the branch.
 * (A session ahead of its branch resumes elsewhere remembering a file the restored worktree lacks,
 * and the agent ends without that work: no changes, no pull request.)
 */
export async function saveSessionAfterPush<T>(
  archive: SessionArchive,
  agentId: string,
  sessionId: string,
  paths: AgentPaths,
  cwd: string,
  push: () => Promise<T>,
): Promise<T> {
  const content = await readAgentOwnedFile(
    sessionFilePath(paths.claudeConfigDir, cwd, sessionId),
    sessionFileMaxBytes,
  );
  const pushed = await push();
  if (content !== undefined) await archive.save(agentId, sessionId, content);
  return pushed;
}

/** Puts the saved session back where `--resume` looks for it; returns false if none was saved. */
export async function restoreSession(
  archive: SessionArchive,
  agentId: string,
  sessionId: string,
  paths: AgentPaths,
  cwd: string,
): Promise<"present" | "restored" | "missing"> {
  const file = sessionFilePath(paths.claudeConfigDir, cwd, sessionId);
  if (await exists(file)) return "present";
  const saved = await archive.load(agentId, sessionId);
  if (saved === undefined) return "missing";
  await makeAgentOwnedDirectory(dirname(paths.home), dirname(file));
  await writeNewAgentOwnedFile(file, saved);
  return "restored";
}
