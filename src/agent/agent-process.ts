// One running `claude` process: started in its own process group (inside bubblewrap when the
// worker has a sandbox, else under a subreaper), by the worker's command runner when it has one
// (so the fork is not on the worker's event loop; see process/run-command.ts), its stdout
// appended to the agent's transcript file (in the worker's places) and parsed line by line from
// there as it grows, and stopped with SIGKILL, which also reaches the commands its Bash tool
// started in sessions of their own: the sandbox's PID namespace dies with bwrap; without one, the
// subreaper's tree is frozen and killed. Leftovers of an earlier run of the same agent on this
// host (a worker killed mid-run) are killed before start.

import { appendFile, mkdir, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { AgentStop } from "../process/kill-agent-processes.ts";
import { type LongLivedProcess, startWritingTo, stopAgentProcesses } from "../process/run-command.ts";
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

export class AgentProcess {
  readonly exited: Promise<AgentExit>;
  private readonly subprocess: LongLivedProcess;
  private readonly markers: { sessionId: string; claudeConfigDir: string };
  private stopReason: StopReason | undefined;
  private readonly treeRoot: boolean;
  /** In bubblewrap's PID namespace: when bwrap has exited, nothing of the agent's is left. */
  private readonly namespaced: boolean;

  /** Kills what an earlier run of this agent left behind on this host, then starts the CLI. */
  static async start(options: AgentProcessOptions): Promise<AgentProcess> {
    await stopAgentProcesses({ sessionId: options.sessionId, claudeConfigDir: options.claudeConfigDir });
    await mkdir(dirname(options.transcriptPath), { recursive: true });
    await appendFile(options.transcriptPath, "");
    const transcriptOffset = (await stat(options.transcriptPath)).size;
    const command =
      options.isolation === undefined
        ? { file: options.claudePath, args: [...options.args] }
        : sandboxedCommand(options.isolation, options.claudePath, options.args);
    const subprocess = await startWritingTo(options.transcriptPath, command.file, command.args, {
      cwd: options.cwd,
      env: options.env,
    });
    return new AgentProcess(options, transcriptOffset, subprocess);
  }

  private constructor(options: AgentProcessOptions, transcriptOffset: number, subprocess: LongLivedProcess) {
    this.markers = { sessionId: options.sessionId, claudeConfigDir: options.claudeConfigDir };
    this.subprocess = subprocess;
    // Under a subreaper (no sandbox), what the agent detaches stays below it: kill the tree.
    this.treeRoot =
      options.isolation?.sandbox.kind === "off" && options.isolation.sandbox.subreaper !== undefined;
    this.namespaced = options.isolation?.sandbox.kind === "bubblewrap";
    this.exited = this.watch(options, transcriptOffset);
  }

  get pid(): number | undefined {
    return this.subprocess.pid;
  }

  /** Stops the agent at once. The first reason given is the one reported. */
  async stop(reason: StopReason): Promise<void> {
    this.stopReason ??= reason;
    await stopAgentProcesses(this.everything());
  }

  /**
   * All of the agent's processes: in bubblewrap, killing bwrap (the group's leader) ends its PID
   * namespace, and everything in it; without, a subreaper keeps detached commands (setsid,
   * env -i) in its tree; and what carries its markers anywhere else.
   */
  private everything(): AgentStop {
    const pid = this.subprocess.pid;
    return {
      ...this.markers,
      ...(this.treeRoot && pid !== undefined ? { treeRoot: pid } : {}),
      ...(pid === undefined ? {} : { group: pid }),
    };
  }

  private async watch(options: AgentProcessOptions, transcriptOffset: number): Promise<AgentExit> {
    const ended = this.subprocess.exited;
    const result = await readAgentOutput(options.transcriptPath, {
      startOffset: transcriptOffset,
      writerExited: ended,
      onEvent: options.onEvent,
    });
    const finished = await ended;
    // Background commands the agent left running (servers, watchers) must not outlive it; and
    // when the runner that held the CLI ended first, the CLI itself may still be running. In
    // bubblewrap, the kernel killed them all when the namespace's first process ended: no walk
    // of /proc on every agent's exit for nothing.
    if (finished.lost !== undefined) await stopAgentProcesses(this.everything());
    else if (!this.namespaced) await stopAgentProcesses(this.markers);
    return {
      exitCode: finished.exitCode,
      signal: finished.signal,
      stopReason: this.stopReason,
      result,
      stderrTail:
        finished.lost === undefined ? finished.stderrTail : `${finished.stderrTail}\n${finished.lost}`,
    };
  }
}
