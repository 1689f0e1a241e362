// The shape of one write the reporter can perform: which installation's limit it counts
// against, how urgent it is, and what it changes that other targets show.
import type { GitHubClient } from "../github/github-app.ts";
import type { ClaimWrite } from "./claim-write.ts";
import type { ReportTarget } from "./report-targets.ts";
import type { WritePriority } from "./write-limiter.ts";

/** A write ready to go: what it touches, how urgent it is, and how to perform it. */
export interface PreparedWrite {
  installationId: number;
  priority: WritePriority;
  /** Performs the write; calls `claim` right before the one request that writes content. */
  perform(client: GitHubClient, claim: ClaimWrite): Promise<WriteEffect>;
}

/** What a write changed that other targets show (a new PR number shows in the check run). */
export interface WriteEffect {
  alsoDirty: ReportTarget[];
  /** Whether those targets must be written at once, or may wait for the coalescing interval. */
  urgent: boolean;
}

export const noEffect: WriteEffect = { alsoDirty: [], urgent: false };
