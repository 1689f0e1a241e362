// The agent sandbox, tried as the current user with the worker's own choice (the same probe a
// starting worker runs): ok when agents get one, a warning when they would run without, and a
// failure when the worker would refuse to start.
import { Writable } from "node:stream";
import { pino } from "pino";
import { ConfigError } from "../../config/config-error.ts";
import { chooseWorkerSandbox } from "../../worker/worker-sandbox.ts";
import type { Check } from "../check.ts";
import { workerRoles } from "../check.ts";

export const agentSandboxCheck: Check = {
  name: "agent sandbox",
  appliesTo: workerRoles,
  // A starting worker makes this choice itself, with the same words.
  atStart: false,
  run: async ({ config }) => {
    const lines: string[] = [];
    const log = pino(
      { level: "info" },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString("utf8"));
          done();
        },
      }),
    );
    const user = `uid ${process.getuid?.() ?? "?"}`;
    try {
      const sandbox = await chooseWorkerSandbox(config, log);
      if (sandbox.kind !== "off") return { status: "ok", detail: `${sandbox.kind}, works as ${user}` };
      const said = lines.map(messageOf).find((message) => message !== undefined) ?? "";
      return {
        status: "warn",
        detail: `agents would run WITHOUT a sandbox as ${user}: ${said}`,
        fix: "see README, Deploy: user namespaces (and, in a container, seccomp/AppArmor settings) must be allowed; or set AGENT_SANDBOX=off to say you accept it",
      };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      return { status: "fail", detail: `as ${user}: ${error.message}`, fix: "see README, Deploy" };
    }
  },
};

function messageOf(line: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const reason = "reason" in parsed ? String(parsed.reason) : "";
    const message = "msg" in parsed ? String(parsed.msg) : "";
    return reason === "" ? message : `${reason} (${message})`;
  } catch {
    return undefined;
  }
}
