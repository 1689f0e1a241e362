// Disk space that paths take, as `du` counts it: allocated blocks, and a file hard-linked from
// two of the paths counted once, so what an agent shares with others is not charged to it.
import { runCommand } from "../../src/process/run-command.ts";

export async function diskUsageBytes(paths: readonly string[]): Promise<number> {
  const { stdout } = await runCommand("du", ["-s", "-c", "-B1", ...paths]);
  const total = stdout.trim().split("\n").at(-1)?.split("\t")[0];
  if (total === undefined || !/^\d+$/.test(total)) throw new Error(`Unexpected du output: ${stdout}`);
  return Number(total);
}
