// One running `claude` process: started in its own process group (inside bubblewrap when the
// worker has a sandbox, else under a subreaper), its stdout appended to the agent's transcript
// file (in the worker's places) and parsed line by line from there as it grows, and stopped with
// SIGKILL, which also reaches the commands its Bash tool started in sessions of their own: the
// sandbox's PID namespace dies with bwrap; without one, the subreaper's tree is frozen and killed.
// Leftovers of an earlier run of the same agent on this host (a worker killed mid-run) are
// killed before start.

import { appendFile, mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { killAgentProcesses, killProcessTree } from "../process/kill-agent-processes.ts";
import { signalProcessGroup, startProcessWritingTo } from "../process/run-command.ts";
import { type Isolation, sandboxedCommand } from "./agent-sandbox.ts";
import { type ResultEvent, readAgentOutput } from "./read-agent-output.ts";
import type { AgentStreamEvent } from "./stream-events.ts";

export type StopReason = "cancelled" | "out_of_budget" | "timed_out" | "parked" | "shutdown";

export type { ResultEvent } from "./read-agent-output.ts";

export interface AgentExit {
  exitCode: number | undefined;
  signal: string | undefined;
  /** Set when Flotilla stopped the process, and why. */
  stopReason: StopReason | undefined;
  /**
   * The last `result` line of the stream, if there was one. For words only: an agent can write
   * lines into its CLI's stream, so how the run ended is decided elsewhere (worker/classify-exit).
   */
  result: ResultEvent | undefined;
  /** The end of stderr, for error reports. */
  stderrTail: string;
}

export interface AgentProcessOptions {
  claudePath: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  sessionId: string;
  claudeConfigDir: string;
  transcriptPath: string;
  onEvent: (event: AgentStreamEvent) => void;
  /** The sandbox to run the CLI in (see agent-sandbox.ts); none when omitted. */
  isolation?: Isolation | undefined;
}

const stderrTailChars = 4000;

export class AgentProcess {
  readonly exited: Promise<AgentExit>;
  private readonly subprocess: ReturnType<typeof startProcessWritingTo>;
  private readonly markers: { sessionId: string; claudeConfigDir: string };
  private stopReason: StopReason | undefined;
  private readonly treeRoot: boolean;

  /** Kills what an earlier run of this agent left behind on this host, then starts the CLI. */
  static async start(options: AgentProcessOptions): Promise<AgentProcess> {
    await killAgentProcesses({ sessionId: options.sessionId, claudeConfigDir: options.claudeConfigDir });
    await mkdir(dirname(options.transcriptPath), { recursive: true });
    await appendFile(options.transcriptPath, "");
    return new AgentProcess(options, (await stat(options.transcriptPath)).size);
  }

  private constructor(options: AgentProcessOptions, transcriptOffset: number) {
    this.markers = { sessionId: options.sessionId, claudeConfigDir: options.claudeConfigDir };
    const command =
      options.isolation === undefined
        ? { file: options.claudePath, args: [...options.args] }
        : sandboxedCommand(options.isolation, options.claudePath, options.args);
    // Under a subreaper (no sandbox), what the agent detaches stays below it: kill the tree.
    this.treeRoot =
      options.isolation?.sandbox.kind === "off" && options.isolation.sandbox.subreaper !== undefined;
    this.subprocess = startProcessWritingTo(options.transcriptPath, command.file, command.args, {
      cwd: options.cwd,
      env: options.env,
    });
    this.exited = this.watch(options, transcriptOffset);
  }

  get pid(): number | undefined {
    return this.subprocess.pid;
  }

  /** Stops the agent at once. The first reason given is the one reported. */
  async stop(reason: StopReason): Promise<void> {
    this.stopReason ??= reason;
    // In bubblewrap, killing bwrap (the group's leader) ends its PID namespace, and everything
    // in it. Without, a subreaper keeps detached commands (setsid, env -i) in its tree.
    if (this.treeRoot && this.subprocess.pid !== undefined) await killProcessTree(this.subprocess.pid);
    signalProcessGroup(this.subprocess.pid, "SIGKILL");
    await killAgentProcesses(this.markers);
  }

  private async watch(options: AgentProcessOptions, transcriptOffset: number): Promise<AgentExit> {
    let stderrTail = "";
    this.subprocess.stderr.setEncoding("utf8");
    this.subprocess.stderr.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-stderrTailChars);
    });
    const ended = this.subprocess;
    const result = await readAgentOutput(options.transcriptPath, {
      startOffset: transcriptOffset,
      writerExited: ended,
      onEvent: options.onEvent,
    });
    const finished = await ended;
    // Background commands the agent left running (servers, watchers) must not outlive it.
    await killAgentProcesses(this.markers);
    return {
      exitCode: finished.exitCode,
      signal: finished.signal,
      stopReason: this.stopReason,
      result,
      stderrTail,
    };
  }
}
