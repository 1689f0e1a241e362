// Node: Flotilla runs its TypeScript directly (type stripping) and its dependencies need 22.20.
import type { Check } from "../check.ts";
import { everyRole, machineOf } from "../check.ts";

const minimumNodeVersion = [22, 20] as const;

export const nodeVersionCheck: Check = {
  name: "Node",
  appliesTo: everyRole,
  atStart: true,
  run: async (context) => {
    const version = machineOf(context).nodeVersion;
    const [major = 0, minor = 0] = version.split(".").map(Number);
    const [needMajor, needMinor] = minimumNodeVersion;
    const recent = major > needMajor || (major === needMajor && minor >= needMinor);
    return recent
      ? { status: "ok", detail: `v${version} (${process.execPath})` }
      : {
          status: "fail",
          detail: `v${version} is older than ${needMajor}.${needMinor}`,
          fix: `install Node ${needMajor}.${needMinor} or newer (Node 24 LTS), or start through ./flotilla, which fetches Node 24`,
        };
  },
};
