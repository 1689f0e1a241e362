// What a top-level agent is told about the review comment it was started from: the file, the
// line and the diff hunk the comment points at, so "fix this" means something. The hunk is
// bounded (GitHub's hunks end at the commented line, but may start far above it).

import type { ReviewLocation } from "../store/records.ts";
import { codeBlock } from "../text/markdown-code.ts";
import { truncate } from "../text/truncate.ts";

const maxHunkChars = 12_000;

export function reviewCommentContext(location: ReviewLocation): string {
  const line = location.line === undefined ? "" : `, line ${location.line}`;
  // Keep the end of a long hunk: the commented line is its last line.
  const hunk =
    location.diffHunk.length <= maxHunkChars
      ? location.diffHunk
      : `… (earlier lines of the hunk left out)\n${location.diffHunk.slice(-maxHunkChars)}`;
  return [
    `The request is a review comment on \`${truncate(location.path, 300)}\`${line}. It refers to the last line of this diff hunk:`,
    "",
    codeBlock(hunk, "diff"),
  ].join("\n");
}
