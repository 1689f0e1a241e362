// The command runner's program (see command-runner.ts): runs each short command its parent
// sends and answers with the outcome. It ends when its parent does (the IPC channel closes), so
// a worker that is killed leaves no runner behind.
import { type CommandReply, commandRequestSchema } from "./command-runner-protocol.ts";
import { CommandFailedError, runCommandHere } from "./run-command.ts";

function reply(message: CommandReply): void {
  process.send?.(message);
}

process.on("message", (raw: unknown) => {
  const parsed = commandRequestSchema.safeParse(raw);
  if (!parsed.success) {
    process.stderr.write(`flotilla command runner: ignored a message that is not a command request\n`);
    return;
  }
  const { id, file, args, ...options } = parsed.data;
  runCommandHere(file, args, options).then(
    (result) => reply({ id, ok: true, ...result }),
    (error: unknown) =>
      reply(
        error instanceof CommandFailedError
          ? {
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
});
process.on("disconnect", () => process.exit(0));
