// The one loop between an agent's transcript file and the worker: follows the file as the CLI
// appends to it, splits it into lines and parses each into stream events, until the CLI has
// exited and everything it wrote has been read. Shared by AgentProcess and the stream benchmark.
import { followFile } from "../process/follow-file.ts";
import { splitLines } from "./line-splitter.ts";
import type { AgentStreamEvent } from "./stream-events.ts";
import { StreamParser } from "./stream-parser.ts";

export type ResultEvent = Extract<AgentStreamEvent, { kind: "result" }>;

export interface ReadAgentOutputOptions {
  /** Where this invocation's output starts: earlier invocations' lines are not read again. */
  startOffset: number;
  /** Settles when the CLI has exited. */
  writerExited: Promise<unknown>;
  onEvent: (event: AgentStreamEvent) => void;
}

/** Reads the output to its end; returns the last `result` event, if the CLI wrote one. */
export async function readAgentOutput(
  transcriptPath: string,
  options: ReadAgentOutputOptions,
): Promise<ResultEvent | undefined> {
  const parser = new StreamParser();
  let result: ResultEvent | undefined;
  const output = followFile(transcriptPath, {
    startOffset: options.startOffset,
    writerExited: options.writerExited,
  });
  for await (const line of splitLines(output)) {
    if (typeof line !== "string") continue;
    for (const event of parser.parse(line)) {
      if (event.kind === "result") result = event;
      options.onEvent(event);
    }
  }
  return result;
}
