// Addresses of Flotilla's pages, signed: the run page (`/runs/<run>`) and each agent's page
// (`/agents/<run>/<name>`), which check runs link as their details and the tracking comment as
// its live view, and the status page's list of recent runs (for the operator). Expiry is rounded up to the hour so that repeated writes of a check run keep
// the same link for a while.
import type { AgentRecord, RunRecord } from "../store/records.ts";
import { signPageLink } from "./page-signature.ts";

export interface PageLinksOptions {
  /** FLOTILLA_PUBLIC_URL without a trailing slash. */
  publicUrl: string;
  key: Buffer;
  ttlMs: number;
  now?: () => number;
}

const hourMs = 3_600_000;
/** Signed as (run "", agent "status"): no run has an empty id, so no run link can be reused for it. */
export const statusAgentId = "status";

export class PageLinks {
  private readonly options: PageLinksOptions;

  constructor(options: PageLinksOptions) {
    this.options = options;
  }

  /** Unix seconds of the expiry of a link written now. */
  newExpiry(): number {
    const now = (this.options.now ?? Date.now)();
    return (Math.ceil((now + this.options.ttlMs) / hourMs) * hourMs) / 1000;
  }

  agentPage(agent: Pick<AgentRecord, "id" | "runId">, expiresAt: number = this.newExpiry()): string {
    return this.signed(agentPagePath(agent.id), agent.runId, agent.id, expiresAt);
  }

  /** The status page (`/`) with the list of recent runs, for the operator. */
  statusPage(expiresAt: number = this.newExpiry()): string {
    return this.signed("/", "", statusAgentId, expiresAt);
  }

  runPage(run: Pick<RunRecord, "id">, expiresAt: number = this.newExpiry()): string {
    return this.signed(`/runs/${encodeURIComponent(run.id)}`, run.id, "", expiresAt);
  }

  /**
   * The live tail of an agent page, under the same signature as the page. Relative: the page's
   * script connects to wherever the page was served from (FLOTILLA_PUBLIC_URL may be a proxy).
   */
  agentEventsPath(agent: Pick<AgentRecord, "id" | "runId">, expiresAt: number): string {
    return this.signed(`${agentPagePath(agent.id)}/events`, agent.runId, agent.id, expiresAt, "");
  }

  private signed(
    path: string,
    runId: string,
    agentId: string,
    expiresAt: number,
    origin: string = this.options.publicUrl,
  ): string {
    const signature = signPageLink(this.options.key, runId, agentId, expiresAt);
    return `${origin}${path}?exp=${expiresAt}&sig=${signature}`;
  }
}

/** Agent ids are `<run>/<name>`, so the id itself is the path below /agents. */
function agentPagePath(agentId: string): string {
  return `/agents/${agentId.split("/").map(encodeURIComponent).join("/")}`;
}
