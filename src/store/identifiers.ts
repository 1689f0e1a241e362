// Run and agent identifiers. A run id is derived from the webhook delivery id, so the same
// delivery always names the same run; an agent id is `<run>/<name>`, like its branch.
import { createHash } from "node:crypto";

export function runIdForDelivery(deliveryId: string): string {
  return `r${createHash("sha256").update(deliveryId).digest("hex").slice(0, 12)}`;
}

export function agentIdFor(runId: string, agentName: string): string {
  return `${runId}/${agentName}`;
}

/** The run an agent belongs to, read from its id (for log lines that only have the agent id). */
export function runIdOfAgent(agentId: string): string {
  const separator = agentId.indexOf("/");
  return separator < 0 ? agentId : agentId.slice(0, separator);
}

/** `base`, or `base-2`, `base-3`, … whichever is not taken yet. */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let suffix = 2; ; suffix += 1) {
    const candidate = `${base}-${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
