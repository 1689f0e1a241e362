// GitHub writes Flotilla made, read from the stand-in GitHub's request log: content writes
// (POST/PATCH/PUT/DELETE with an installation token; minting tokens is not one), by what they
// wrote, within a stretch of time.
import type { RequestLogEntry } from "../../test/support/fake-github.ts";

const writeMethods = new Set(["POST", "PATCH", "PUT", "DELETE"]);

export function githubWrites(
  log: readonly RequestLogEntry[],
  fromMs: number,
  toMs: number,
): RequestLogEntry[] {
  return log.filter(
    (entry) =>
      writeMethods.has(entry.method) &&
      entry.auth === "installation-token" &&
      entry.time >= fromMs &&
      entry.time <= toMs,
  );
}

/** e.g. `{ "PATCH check-runs": 412, "POST pulls": 200 }`. */
export function writesByKind(writes: readonly RequestLogEntry[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const entry of writes) {
    const what = /\/(check-runs|comments|pulls|reactions|refs|labels)\b/.exec(entry.path)?.[1] ?? entry.path;
    const kind = `${entry.method} ${what}`;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}
