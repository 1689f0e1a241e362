// Keeps an agent's CLI session resumable from anywhere: saved to Redis after every stretch of
// work (and at checkpoints), restored into a fresh config dir before `--resume` when missing.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { SessionArchive } from "../store/session-archive.ts";
import type { AgentPaths } from "../workspace/data-paths.ts";
import { exists } from "../workspace/mirror.ts";
import { sessionFilePath } from "./session-file.ts";

export async function saveSession(
  archive: SessionArchive,
  agentId: string,
  sessionId: string,
  paths: AgentPaths,
): Promise<boolean> {
  const file = sessionFilePath(paths.claudeConfigDir, paths.worktree, sessionId);
  const content = await readFile(file).catch(() => undefined);
  if (content === undefined) return false;
  await archive.save(agentId, sessionId, content);
  return true;
}

/** Puts the saved session back where `--resume` looks for it; returns false if none was saved. */
export async function restoreSession(
  archive: SessionArchive,
  agentId: string,
  sessionId: string,
  paths: AgentPaths,
): Promise<"present" | "restored" | "missing"> {
  const file = sessionFilePath(paths.claudeConfigDir, paths.worktree, sessionId);
  if (await exists(file)) return "present";
  const saved = await archive.load(agentId, sessionId);
  if (saved === undefined) return "missing";
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, saved);
  return "restored";
}
