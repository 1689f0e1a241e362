// A worker's command runner: a small Node process (command-runner-child.ts) that starts the
// worker's subprocesses for it, so that their forks happen in a process with a small heap and
// never on the worker's event loop (see run-command.ts): short commands, answered with their
// outcome; agents' long-lived processes, which it owns (their parent, so an agent's bwrap dies
// with it) and whose exit it reports; and the stopping of an agent's processes, whose search
// reads every process's environment. A runner that dies fails the commands it held, reports its
// agents' processes as lost (bwrap died with it; the worker stops what may be left), and is
// started again for the next request.
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type RunnerReply, type RunnerRequest, runnerReplySchema } from "./command-runner-protocol.ts";
import type { AgentStop } from "./kill-agent-processes.ts";
import {
  CommandFailedError,
  type CommandResult,
  type CompleteRunOptions,
  forkNodeProgram,
  type LongLivedExit,
  type LongLivedProcess,
  type ProcessRunner,
  type StartProcessOptions,
} from "./run-command.ts";

const childProgram = fileURLToPath(new URL("./command-runner-child.ts", import.meta.url));
// Enough for a few commands' 4 MiB outputs at once; the point is a heap that forks cheaply.
const childHeapMiB = 128;

/** What waits for the runner's answers to one request. */
interface Pending {
  received(reply: RunnerReply): void;
  /** The runner ended before answering. */
  lost(why: string): void;
}

type Request = RunnerRequest extends infer Each
  ? Each extends RunnerRequest
    ? Omit<Each, "id">
    : never
  : never;

export class CommandRunner implements ProcessRunner {
  private child: ChildProcess | undefined;
  /** Per request id, what waits for its answers, and the runner process that has it. */
  private readonly pending = new Map<number, Pending & { child: ChildProcess }>();
  private nextId = 1;
  private closed = false;

  /** The runner process's id, while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the runner's process now, so the first command does not wait for it. */
  start(): void {
    this.ensureChild();
  }

  run(file: string, args: readonly string[], options: CompleteRunOptions): Promise<CommandResult> {
    const label = `${file} ${args.slice(0, 2).join(" ")}`;
    return new Promise<CommandResult>((resolve, reject) => {
      this.send({ kind: "run", file, args: [...args], ...options }, (id) => ({
        received: (reply) => {
          this.pending.delete(id);
          if (reply.kind !== "ran") return;
          if (reply.ok) resolve({ stdout: reply.stdout, stderr: reply.stderr });
          else
            reject(
              new CommandFailedError(
                reply.command,
                reply.exitCode,
                reply.stderr,
                reply.reason,
                reply.timedOut,
                reply.stdout,
              ),
            );
        },
        lost: (why) => reject(new CommandFailedError(label, undefined, "", why)),
      }));
    });
  }

  startProcess(
    stdoutFile: string,
    file: string,
    args: readonly string[],
    options: StartProcessOptions,
  ): Promise<LongLivedProcess> {
    return new Promise<LongLivedProcess>((resolve, reject) => {
      let exited: (exit: LongLivedExit) => void = () => {};
      const exit = new Promise<LongLivedExit>((settle) => {
        exited = settle;
      });
      let pid: number | undefined;
      this.send({ kind: "start", file, args: [...args], ...options, stdoutFile }, (id) => ({
        received: (reply) => {
          if (reply.kind === "started") {
            pid = reply.pid;
            resolve({ pid, exited: exit });
          } else if (reply.kind === "exited") {
            this.pending.delete(id);
            exited({ exitCode: reply.exitCode, signal: reply.signal, stderrTail: reply.stderrTail });
          }
        },
        lost: (why) => {
          if (pid === undefined) reject(new Error(`could not start ${file}: ${why}`));
          else exited({ exitCode: undefined, signal: undefined, stderrTail: "", lost: why });
        },
      }));
    });
  }

  stopAgent(stop: AgentStop): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.send({ kind: "stop-agent", ...stop }, (id) => ({
        received: (reply) => {
          this.pending.delete(id);
          if (reply.kind === "stopped") resolve(reply.found);
        },
        lost: (why) => reject(new Error(`could not stop the agent's processes: ${why}`)),
      }));
    });
  }

  /** Ends the runner's process; commands still running fail. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.disconnect();
    await exited;
  }

  private send(request: Request, waiter: (id: number) => Pending): void {
    const id = this.nextId++;
    const pending = waiter(id);
    if (this.closed) {
      pending.lost("the command runner is closed; the worker is stopping");
      return;
    }
    const child = this.ensureChild();
    this.pending.set(id, { ...pending, child });
    child.send({ ...request, id }, (error) => {
      if (error === null || !this.pending.has(id)) return;
      this.pending.delete(id);
      pending.lost(error.message);
    });
  }

  private ensureChild(): ChildProcess {
    const current = this.child;
    if (current?.connected) return current;
    const child = forkNodeProgram(childProgram, childHeapMiB);
    child.on("message", (raw: unknown) => this.received(raw));
    child.on("exit", (code, signal) => {
      if (this.child === child) this.child = undefined;
      const why = `the command runner process ended (${signal ?? `exit ${code}`})`;
      for (const [id, pending] of [...this.pending]) {
        if (pending.child !== child) continue;
        this.pending.delete(id);
        pending.lost(why);
      }
    });
    // An 'error' (it could not start, or a send failed) is answered per request; without a
    // listener it would end the worker.
    child.on("error", () => {});
    this.child = child;
    return child;
  }

  private received(raw: unknown): void {
    const parsed = runnerReplySchema.safeParse(raw);
    if (!parsed.success) return;
    this.pending.get(parsed.data.id)?.received(parsed.data);
  }
}
