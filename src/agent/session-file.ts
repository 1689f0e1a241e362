// Where the CLI keeps a session: `<CLAUDE_CONFIG_DIR>/projects/<cwd, non-alphanumerics as "-">/
// <session id>.jsonl`. `--resume` only finds it under the cwd it was started in.
import { open } from "node:fs/promises";
import { join } from "node:path";

export function sessionFilePath(claudeConfigDir: string, cwd: string, sessionId: string): string {
  return join(claudeConfigDir, "projects", cwd.replace(/[^a-zA-Z0-9]/g, "-"), `${sessionId}.jsonl`);
}

const tailBytes = 16 * 1024 * 1024;

/**
 * The text of the session's last assistant message. Under load the CLI can exit before its
 * stdout has taken its last (largest) line, even into a file, so a run that exited cleanly
 * without a `result` line gets its answer from the session file, which holds every message.
 */
export async function readFinalAnswer(sessionFile: string): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(sessionFile, "r");
    const { size } = await handle.stat();
    const start = Math.max(0, size - tailBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const lines = buffer.toString("utf8").split("\n");
    for (const line of lines.reverse()) {
      const text = assistantText(line);
      if (text !== undefined) return text;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}

function assistantText(line: string): string | undefined {
  if (!line.includes('"assistant"')) return undefined;
  try {
    const entry = JSON.parse(line) as { type?: string; message?: { content?: unknown } };
    if (entry.type !== "assistant" || !Array.isArray(entry.message?.content)) return undefined;
    const texts = (entry.message.content as { type?: string; text?: string }[])
      .filter((block) => block.type === "text" && typeof block.text === "string")
      .map((block) => block.text ?? "");
    return texts.length === 0 ? undefined : texts.join("\n");
  } catch {
    return undefined;
  }
}
