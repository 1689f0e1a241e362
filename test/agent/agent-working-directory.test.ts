// Where the CLI runs, and so where it files its session: one fixed path in the sandbox, whatever
// the host's DATA_DIR (an agent resumed on another host finds its session and its files named as
// before); without a sandbox, the worktree's own absolute path, which is why hosts without one
// must share one DATA_DIR path to resume each other's agents (README, Nothing lost on restart).
import { describe, expect, it } from "vitest";
import {
  type AgentSandbox,
  agentWorkingDirectory,
  worktreeInSandbox,
} from "../../src/agent/agent-sandbox.ts";
import { sessionFilePath } from "../../src/agent/session-file.ts";

const bubblewrap = (dataDir: string): AgentSandbox => ({
  kind: "bubblewrap",
  bwrap: "/usr/bin/bwrap",
  host: {
    dataDir,
    workerHome: "/home/flotilla",
    secretFiles: [],
    extraHiddenPaths: [],
    programDirectories: [],
  },
});
const noSandbox: AgentSandbox = { kind: "off", subreaper: undefined };
const sessionId = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";

describe("the agent's working directory", () => {
  it("is the same fixed path in the sandbox on hosts with different data dirs, so the session file is too", () => {
    const onA = agentWorkingDirectory(bubblewrap("/srv/a"), "/srv/a/worktrees/r1/fix");
    const onB = agentWorkingDirectory(bubblewrap("/var/lib/b"), "/var/lib/b/worktrees/r1/fix");
    expect(onA).toBe(worktreeInSandbox);
    expect(onB).toBe(onA);
    expect(sessionFilePath("/config", onA, sessionId)).toBe(sessionFilePath("/config", onB, sessionId));
  });

  it("is the worktree's absolute path without a sandbox, so a different data dir files the session elsewhere", () => {
    const onA = agentWorkingDirectory(noSandbox, "/srv/a/worktrees/r1/fix");
    const onB = agentWorkingDirectory(noSandbox, "/var/lib/b/worktrees/r1/fix");
    expect(onA).toBe("/srv/a/worktrees/r1/fix");
    expect(sessionFilePath("/config", onA, sessionId)).not.toBe(sessionFilePath("/config", onB, sessionId));
    // A relative DATA_DIR still gives the CLI an absolute cwd.
    expect(agentWorkingDirectory(noSandbox, "data/worktrees/r1/fix")).toBe(
      `${process.cwd()}/data/worktrees/r1/fix`,
    );
  });
});
