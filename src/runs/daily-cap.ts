// The per-installation daily token cap (DAILY_TOKEN_CAP; off when unset). The gateway counts
// every token an installation's agents spend per UTC day; once the count reaches the cap, new
// runs are refused with a reply that says when the count starts again. Running agents go on.

import { type BudgetStore, dailyResetsAt } from "../store/budget-store.ts";
import { formatTokens } from "../text/format-tokens.ts";

/** The refusal to reply with, or undefined when a new run may start. */
export async function dailyCapRefusal(
  budgets: Pick<BudgetStore, "dailyUsage">,
  capTokens: number | undefined,
  installationId: number,
  now: Date = new Date(),
): Promise<string | undefined> {
  if (capTokens === undefined) return undefined;
  const used = await budgets.dailyUsage(installationId, now);
  if (used < capTokens) return undefined;
  const resetsAt = dailyResetsAt(now);
  return `Flotilla has reached its daily token cap for this installation: ${formatTokens(used)} of ${formatTokens(capTokens)} tokens used today (UTC), so it starts no new runs until the cap resets at ${utcTime(resetsAt)} (in ${duration(resetsAt.getTime() - now.getTime())}). Agents already running go on. Send the command again after that, or ask the operator to raise DAILY_TOKEN_CAP.`;
}

/** `2026-11-26 00:00 UTC` */
function utcTime(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** `5 h 12 min`, `3 min`, rounded up to the minute. */
function duration(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  return hours === 0 ? `${minutes} min` : `${hours} h ${minutes % 60} min`;
}
