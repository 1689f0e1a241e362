// The messages between a worker and its command runner process (command-runner.ts): requests to
// run one short command, to start one long-lived process (an agent's CLI, in its sandbox), and to
// stop one agent's processes; and what the runner answers: a short command's outcome, a
// long-lived process's pid once started and its exit once ended, how many processes a stop
// found. Both sides check what they receive.
import { z } from "zod";

const id = z.number().int();
const environment = z.record(z.string(), z.string());

const runRequestSchema = z.object({
  kind: z.literal("run"),
  id,
  file: z.string().min(1),
  args: z.array(z.string()),
  cwd: z.string().optional(),
  env: environment,
  timeoutMs: z.number().int().positive(),
  maxBufferBytes: z.number().int().positive(),
  input: z.string().optional(),
});

const startRequestSchema = z.object({
  kind: z.literal("start"),
  id,
  file: z.string().min(1),
  args: z.array(z.string()),
  cwd: z.string().min(1),
  env: environment,
  /** Where its stdout is appended. */
  stdoutFile: z.string().min(1),
});

const stopAgentRequestSchema = z.object({
  kind: z.literal("stop-agent"),
  id,
  sessionId: z.string(),
  claudeConfigDir: z.string(),
  /** A subreaper whose whole tree is to be killed. */
  treeRoot: z.number().int().positive().optional(),
  /** A process group to SIGKILL. */
  group: z.number().int().positive().optional(),
});

export const runnerRequestSchema = z.discriminatedUnion("kind", [
  runRequestSchema,
  startRequestSchema,
  stopAgentRequestSchema,
]);
export type RunnerRequest = z.infer<typeof runnerRequestSchema>;

export const runnerReplySchema = z.union([
  z.object({ kind: z.literal("ran"), id, ok: z.literal(true), stdout: z.string(), stderr: z.string() }),
  z.object({
    kind: z.literal("ran"),
    id,
    ok: z.literal(false),
    /** The CommandFailedError's fields, to rebuild it on the worker's side. */
    command: z.string(),
    exitCode: z.number().int().optional(),
    stderr: z.string(),
    stdout: z.string(),
    reason: z.string(),
    timedOut: z.boolean(),
  }),
  /** A long-lived process was started (no pid: it could not be; its exit follows). */
  z.object({ kind: z.literal("started"), id, pid: z.number().int().optional() }),
  z.object({
    kind: z.literal("exited"),
    id,
    exitCode: z.number().int().optional(),
    signal: z.string().optional(),
    stderrTail: z.string(),
  }),
  z.object({ kind: z.literal("stopped"), id, found: z.number().int() }),
]);
export type RunnerReply = z.infer<typeof runnerReplySchema>;
