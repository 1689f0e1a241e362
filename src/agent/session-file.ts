// Where the CLI keeps a session: `<CLAUDE_CONFIG_DIR>/projects/<cwd, non-alphanumerics as "-">/
// <session id>.jsonl`. `--resume` only finds it under the cwd it was started in.
import { join } from "node:path";

export function sessionFilePath(claudeConfigDir: string, cwd: string, sessionId: string): string {
  return join(claudeConfigDir, "projects", cwd.replace(/[^a-zA-Z0-9]/g, "-"), `${sessionId}.jsonl`);
}
