// GitHub answers an update with its copy of what was sent (a check run's whole output, a
// comment's whole body). Octokit parses every answer with json-with-bigint, a parser written in
// JavaScript: with 200 agents' check runs and comments updated every 10 s, that parsing was the
// largest block left on a worker's event loop (up to 240 ms at once). Updates whose answer
// Flotilla never reads ask for it unparsed, and drain it as bytes so that the connection is
// reused. Errors (4xx, 5xx) are still parsed: their message is needed.

/** Request options for an update whose answer is not read. */
export const unparsedAnswer = { request: { parseSuccessResponseBody: false } } as const;

/** Reads an unparsed answer's body to its end, without decoding it. */
export async function drainAnswer(data: unknown): Promise<void> {
  if (data instanceof ReadableStream) await new Response(data).arrayBuffer();
}
