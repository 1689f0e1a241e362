// The doctor's table, and the start's refusal, in the same words: one row per check with what
// was found, and under anything not ok, the fix.
import type { CheckResult } from "./check.ts";

const labels = { ok: "ok", warn: "WARN", fail: "FAIL" } as const;

export function formatTable(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((result) => result.name.length));
  const rows: string[] = [];
  for (const result of results) {
    rows.push(`  ${labels[result.status].padEnd(4)}  ${result.name.padEnd(width)}  ${result.detail}`);
    if (result.status !== "ok" && result.fix !== undefined)
      rows.push(`  ${"".padEnd(4)}  ${"".padEnd(width)}  fix: ${result.fix}`);
  }
  return rows.join("\n");
}

/** Why a process refuses to start: the failed checks only, as the doctor shows them. */
export function formatRefusal(results: readonly CheckResult[]): string {
  const failed = results.filter((result) => result.status === "fail");
  return `Flotilla cannot start: ${failed.length === 1 ? "a check failed" : `${failed.length} checks failed`}.\n${formatTable(failed)}\nRun ./flotilla doctor to see every check.`;
}
