// The messages between a worker and its command runner process (command-runner.ts): a request
// to run one short command, and its outcome. Both sides check what they receive.
import { z } from "zod";

export const commandRequestSchema = z.object({
  id: z.number().int(),
  file: z.string().min(1),
  args: z.array(z.string()),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()),
  timeoutMs: z.number().int().positive(),
  maxBufferBytes: z.number().int().positive(),
  input: z.string().optional(),
});
export type CommandRequest = z.infer<typeof commandRequestSchema>;

export const commandReplySchema = z.discriminatedUnion("ok", [
  z.object({ id: z.number().int(), ok: z.literal(true), stdout: z.string(), stderr: z.string() }),
  z.object({
    id: z.number().int(),
    ok: z.literal(false),
    /** The CommandFailedError's fields, to rebuild it on the worker's side. */
    command: z.string(),
    exitCode: z.number().int().optional(),
    stderr: z.string(),
    stdout: z.string(),
    reason: z.string(),
    timedOut: z.boolean(),
  }),
]);
export type CommandReply = z.infer<typeof commandReplySchema>;
