// Reads `.env` into the process's environment before anything else reads a setting, for every
// role, the doctor and the setup flow's restart. The file is the one Probot's setup flow writes
// (in the working directory); a variable already set in the environment wins over the file.
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { settingError } from "./config-error.ts";

/** The path read, or undefined when there is no `.env` there. */
export function loadEnvFile(path: string = resolve(".env")): string | undefined {
  try {
    process.loadEnvFile(path);
    return path;
  } catch (error) {
    const code = error instanceof Error && "code" in error ? error.code : undefined;
    if (code === "ENOENT") return undefined;
    throw settingError(
      path,
      `cannot be read (${error instanceof Error ? error.message : String(error)})`,
      "make it a readable file of NAME=value lines, or remove it",
    );
  }
}

/**
 * Sets variables in a `.env` file, keeping every other line (comments included): a variable's
 * line is replaced where it is, or added at the end. Values are double-quoted with newlines as
 * `\n` (how a PEM key fits on one line; Node's parser turns them back), or single-quoted when
 * they hold a double quote. The file is private (0600).
 */
export function updateEnvFile(path: string, values: Record<string, string>): void {
  let lines: string[] = [];
  try {
    lines = readFileSync(path, "utf8").split("\n");
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "ENOENT")) throw error;
  }
  const pending = new Map(Object.entries(values));
  const kept: string[] = [];
  for (const line of lines) {
    const name = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1];
    if (name === undefined || !(name in values)) {
      kept.push(line);
      continue;
    }
    const value = pending.get(name);
    // A second line for the same variable would win over the first: drop it.
    if (value !== undefined) kept.push(`${name}=${quoted(value)}`);
    pending.delete(name);
  }
  while (kept.length > 0 && kept.at(-1) === "") kept.pop();
  for (const [name, value] of pending) kept.push(`${name}=${quoted(value)}`);
  writeFileSync(path, `${kept.join("\n")}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Node's parser expands only `\n`, and only inside double quotes; it knows no other escape. */
function quoted(value: string): string {
  if (!value.includes('"')) return `"${value.replace(/\r?\n/g, "\\n")}"`;
  if (!value.includes("'") && !value.includes("\n")) return `'${value}'`;
  throw new Error("A value with both kinds of quotes (or a quote and a newline) cannot be written to .env");
}
