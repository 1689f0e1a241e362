// The data dir: mirrors, worktrees, agent homes, transcripts and the embedded Redis's files live
// there, so it must be writable, have room, and not be readable by other users of the host.
import { constants } from "node:fs";
import { access, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Check, CheckOutcome, MachineReadings } from "../check.ts";
import { everyRole, machineOf } from "../check.ts";

const failBelowBytes = 1024 ** 3;
const warnBelowBytes = 5 * 1024 ** 3;

export const dataDirCheck: Check = {
  name: "data dir",
  appliesTo: everyRole,
  atStart: true,
  run: async (context) => checkDataDir(context.config.dataDir, machineOf(context)),
};

async function checkDataDir(dataDir: string, machine: MachineReadings): Promise<CheckOutcome> {
  const fixPermissions = `make it writable by this user (uid ${process.getuid?.() ?? "?"}), e.g. chown, or set DATA_DIR to a folder it owns`;
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await access(dataDir, constants.W_OK | constants.X_OK);
    const probe = join(dataDir, `.doctor-${process.pid}`);
    await writeFile(probe, "ok\n");
    await rm(probe, { force: true });
  } catch (error) {
    return {
      status: "fail",
      detail: `DATA_DIR=${dataDir} is not writable: ${error instanceof Error ? error.message : String(error)}`,
      fix: fixPermissions,
    };
  }
  const freeBytes = await machine.freeBytes(dataDir);
  const free = `${(freeBytes / 1024 ** 3).toFixed(1)} GiB free`;
  if (freeBytes < failBelowBytes)
    return {
      status: "fail",
      detail: `DATA_DIR=${dataDir} has only ${free}`,
      fix: "free some space there, or set DATA_DIR to a disk with at least 5 GiB free",
    };
  const mode = (await stat(dataDir)).mode & 0o777;
  if ((mode & 0o007) !== 0)
    return {
      status: "warn",
      detail: `DATA_DIR=${dataDir} (${free}) is open to other users of this host (mode ${mode.toString(8)})`,
      fix: `chmod 700 ${dataDir}: it holds agents' work and the embedded Redis's password`,
    };
  if (freeBytes < warnBelowBytes)
    return {
      status: "warn",
      detail: `DATA_DIR=${dataDir} has only ${free}`,
      fix: "agents' worktrees need room: keep at least 5 GiB free there",
    };
  return { status: "ok", detail: `${dataDir}, writable, ${free}` };
}
