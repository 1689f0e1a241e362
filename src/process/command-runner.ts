// A worker's command runner: a small Node process (command-runner-child.ts) that starts the
// worker's short commands for it, so that their forks happen in a process with a small heap
// and never on the worker's event loop (see run-command.ts). One request at a time per command
// is in flight over IPC; a runner that dies fails the commands it held and is started again for
// the next one.
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type CommandReply, type CommandRequest, commandReplySchema } from "./command-runner-protocol.ts";
import {
  CommandFailedError,
  type CommandResult,
  type CompleteRunOptions,
  forkNodeProgram,
  type ShortCommandRunner,
} from "./run-command.ts";

const childProgram = fileURLToPath(new URL("./command-runner-child.ts", import.meta.url));
// Enough for a few commands' 4 MiB outputs at once; the point is a heap that forks cheaply.
const childHeapMiB = 128;

interface Pending {
  resolve(result: CommandResult): void;
  reject(error: Error): void;
  label: string;
}

export class CommandRunner implements ShortCommandRunner {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
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
    if (this.closed)
      return Promise.reject(new Error("The command runner is closed; the worker is stopping."));
    const child = this.ensureChild();
    const id = this.nextId++;
    const request: CommandRequest = { id, file, args: [...args], ...options };
    return new Promise<CommandResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, label: `${file} ${args.slice(0, 2).join(" ")}` });
      child.send(request, (error) => {
        if (error !== null) this.settle(id, undefined, error);
      });
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

  private ensureChild(): ChildProcess {
    const current = this.child;
    if (current?.connected) return current;
    const child = forkNodeProgram(childProgram, childHeapMiB);
    child.on("message", (raw: unknown) => this.received(raw));
    child.on("exit", (code, signal) => {
      if (this.child === child) this.child = undefined;
      const why = new Error(`the command runner process ended (${signal ?? `exit ${code}`})`);
      for (const id of [...this.pending.keys()]) this.settle(id, undefined, why);
    });
    // An 'error' (it could not start, or a send failed) is answered per command; without a
    // listener it would end the worker.
    child.on("error", () => {});
    this.child = child;
    return child;
  }

  private received(raw: unknown): void {
    const parsed = commandReplySchema.safeParse(raw);
    if (!parsed.success) return;
    this.settle(parsed.data.id, parsed.data);
  }

  private settle(id: number, reply: CommandReply | undefined, lost?: Error): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    if (reply?.ok === true) {
      pending.resolve({ stdout: reply.stdout, stderr: reply.stderr });
    } else if (reply !== undefined) {
      pending.reject(
        new CommandFailedError(
          reply.command,
          reply.exitCode,
          reply.stderr,
          reply.reason,
          reply.timedOut,
          reply.stdout,
        ),
      );
    } else {
      pending.reject(new CommandFailedError(pending.label, undefined, "", String(lost?.message ?? "lost")));
    }
  }
}
