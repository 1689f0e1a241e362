// A report target is one GitHub write Flotilla keeps in step with its records: an agent's check
// run, an agent's pull request, a run's tracking comment, or the reply and 👀 reaction to one
// command comment (webhook delivery).
import { runIdOfAgent } from "../store/identifiers.ts";

export type ReportTarget =
  | { kind: "check"; agentId: string }
  | { kind: "pull"; agentId: string }
  | { kind: "comment"; runId: string }
  | { kind: "reply"; deliveryId: string }
  | { kind: "reaction"; deliveryId: string };

export type ReportTargetKind = ReportTarget["kind"];

export function targetKey(target: ReportTarget): string {
  switch (target.kind) {
    case "comment":
      return `comment:${target.runId}`;
    case "reply":
    case "reaction":
      return `${target.kind}:${target.deliveryId}`;
    default:
      return `${target.kind}:${target.agentId}`;
  }
}

export function parseTargetKey(key: string): ReportTarget | undefined {
  const separator = key.indexOf(":");
  const kind = key.slice(0, separator);
  const id = key.slice(separator + 1);
  if (separator < 0 || id === "") return undefined;
  if (kind === "comment") return { kind, runId: id };
  if (kind === "check" || kind === "pull") return { kind, agentId: id };
  if (kind === "reply" || kind === "reaction") return { kind, deliveryId: id };
  return undefined;
}

/** The ids a log line about this target carries. */
export function targetLogFields(target: ReportTarget): Record<string, string> {
  switch (target.kind) {
    case "comment":
      return { runId: target.runId };
    case "reply":
    case "reaction":
      return { deliveryId: target.deliveryId };
    default:
      return { runId: runIdOfAgent(target.agentId), agentId: target.agentId };
  }
}

/** The targets whose content shows an agent: its check run and its run's tracking comment. */
export function targetsShowingAgent(agent: { id: string; runId: string }): ReportTarget[] {
  return [
    { kind: "check", agentId: agent.id },
    { kind: "comment", runId: agent.runId },
  ];
}
