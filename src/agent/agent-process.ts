// One running `claude` process: started in its own process group (inside its own namespaces when
// the worker has a sandbox), its stdout parsed line by line as it arrives (every raw line appended
// to the transcript file), and stopped with SIGKILL, which also reaches the commands its Bash tool
// started in sessions of their own. Leftovers of an earlier run of the same agent on this host (a
// worker killed mid-run) are killed before start.

import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { killAgentProcesses } from "../process/kill-agent-processes.ts";
import { signalProcessGroup, startProcess } from "../process/run-command.ts";
import { type AgentSandbox, sandboxedCommand } from "./agent-sandbox.ts";
import { splitLines } from "./line-splitter.ts";
import type { SandboxPaths } from "./sandbox-script.ts";
import type { AgentStreamEvent } from "./stream-events.ts";
import { StreamParser } from "./stream-parser.ts";

export type StopReason = "cancelled" | "out_of_budget" | "timed_out" | "parked" | "shutdown";

export type ResultEvent = Extract<AgentStreamEvent, { kind: "result" }>;

export interface AgentExit {
  exitCode: number | undefined;
  signal: string | undefined;
  /** Set when Flotilla stopped the process, and why. */
  stopReason: StopReason | undefined;
  /** The last `result` line, if the CLI wrote one. */
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
  /** Namespaces to run the CLI in (see agent-sandbox.ts); none when omitted or off. */
  isolation?: { sandbox: AgentSandbox; paths: SandboxPaths } | undefined;
}

const stderrTailChars = 4000;

export class AgentProcess {
  readonly exited: Promise<AgentExit>;
  private readonly subprocess: ReturnType<typeof startProcess>;
  private readonly markers: { sessionId: string; claudeConfigDir: string };
  private stopReason: StopReason | undefined;

  /** Kills what an earlier run of this agent left behind on this host, then starts the CLI. */
  static async start(options: AgentProcessOptions): Promise<AgentProcess> {
    await killAgentProcesses({ sessionId: options.sessionId, claudeConfigDir: options.claudeConfigDir });
    return new AgentProcess(options);
  }

  private constructor(options: AgentProcessOptions) {
    this.markers = { sessionId: options.sessionId, claudeConfigDir: options.claudeConfigDir };
    const command =
      options.isolation === undefined
        ? { file: options.claudePath, args: [...options.args] }
        : sandboxedCommand(
            options.isolation.sandbox,
            options.isolation.paths,
            options.claudePath,
            options.args,
          );
    this.subprocess = startProcess(command.file, command.args, { cwd: options.cwd, env: options.env });
    this.exited = this.watch(options);
  }

  get pid(): number | undefined {
    return this.subprocess.pid;
  }

  /** Stops the agent at once. The first reason given is the one reported. */
  async stop(reason: StopReason): Promise<void> {
    this.stopReason ??= reason;
    signalProcessGroup(this.subprocess.pid, "SIGKILL");
    await killAgentProcesses(this.markers);
  }

  private async watch(options: AgentProcessOptions): Promise<AgentExit> {
    const transcript = createWriteStream(options.transcriptPath, { flags: "a" });
    const parser = new StreamParser();
    let result: ResultEvent | undefined;
    let stderrTail = "";
    this.subprocess.stderr.setEncoding("utf8");
    this.subprocess.stderr.on("data", (chunk: string) => {
      stderrTail = (stderrTail + chunk).slice(-stderrTailChars);
    });
    for await (const line of splitLines(this.subprocess.stdout)) {
      const text = typeof line === "string" ? line : line.prefix;
      if (!transcript.write(`${text}\n`)) await once(transcript, "drain");
      if (typeof line !== "string") continue;
      for (const event of parser.parse(line)) {
        if (event.kind === "result") result = event;
        options.onEvent(event);
      }
    }
    const finished = await this.subprocess;
    transcript.end();
    await once(transcript, "close");
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
