// The command runner's program (see command-runner.ts): runs each short command its parent
// sends and answers with the outcome; starts its parent's agents' long-lived processes, tells it
// their pid and, later, their exit; and stops an agent's processes when asked. It ends when its
// parent does (the IPC channel closes), so a worker that is killed leaves no runner behind; and
// an agent's bwrap, started with --die-with-parent, dies with the runner.
import { type RunnerReply, type RunnerRequest, runnerRequestSchema } from "./command-runner-protocol.ts";
import { stopAgentHere } from "./kill-agent-processes.ts";
import { CommandFailedError, runCommandHere, startWritingToHere } from "./run-command.ts";

function reply(message: RunnerReply): void {
  process.send?.(message);
}

function run(request: Extract<RunnerRequest, { kind: "run" }>): void {
  const { id, file, args, kind: _, ...options } = request;
  runCommandHere(file, args, options).then(
    (result) => reply({ kind: "ran", id, ok: true, ...result }),
    (error: unknown) =>
      reply(
        error instanceof CommandFailedError
          ? {
              kind: "ran",
              id,
              ok: false,
              command: error.command,
              ...(error.exitCode === undefined ? {} : { exitCode: error.exitCode }),
              stderr: error.stderr,
              stdout: error.stdout,
              reason: error.reason,
              timedOut: error.timedOut,
            }
          : {
              kind: "ran",
              id,
              ok: false,
              command: file,
              stderr: String(error),
              stdout: "",
              reason: "could not start",
              timedOut: false,
            },
      ),
  );
}

function start(request: Extract<RunnerRequest, { kind: "start" }>): void {
  const { id } = request;
  const started = startWritingToHere(request.stdoutFile, request.file, request.args, {
    cwd: request.cwd,
    env: request.env,
  });
  reply({ kind: "started", id, ...(started.pid === undefined ? {} : { pid: started.pid }) });
  void started.exited.then((exit) =>
    reply({
      kind: "exited",
      id,
      ...(exit.exitCode === undefined ? {} : { exitCode: exit.exitCode }),
      ...(exit.signal === undefined ? {} : { signal: exit.signal }),
      stderrTail: exit.stderrTail,
    }),
  );
}

function stopAgent(request: Extract<RunnerRequest, { kind: "stop-agent" }>): void {
  const { id, kind: _, ...stop } = request;
  void stopAgentHere(stop)
    .catch(() => 0)
    .then((found) => reply({ kind: "stopped", id, found }));
}

process.on("message", (raw: unknown) => {
  const parsed = runnerRequestSchema.safeParse(raw);
  if (!parsed.success) {
    process.stderr.write(`flotilla command runner: ignored a message that is not a request\n`);
    return;
  }
  const request = parsed.data;
  if (request.kind === "run") run(request);
  else if (request.kind === "start") start(request);
  else stopAgent(request);
});
process.on("disconnect", () => process.exit(0));
