// A report target is one GitHub object whose content Flotilla keeps in step with its records:
// an agent's check run, an agent's pull request, or a run's tracking comment.

export type ReportTarget =
  | { kind: "check"; agentId: string }
  | { kind: "pull"; agentId: string }
  | { kind: "comment"; runId: string };

export function targetKey(target: ReportTarget): string {
  return target.kind === "comment" ? `comment:${target.runId}` : `${target.kind}:${target.agentId}`;
}

export function parseTargetKey(key: string): ReportTarget | undefined {
  const separator = key.indexOf(":");
  const kind = key.slice(0, separator);
  const id = key.slice(separator + 1);
  if (separator < 0 || id === "") return undefined;
  if (kind === "comment") return { kind, runId: id };
  if (kind === "check" || kind === "pull") return { kind, agentId: id };
  return undefined;
}

/** The targets whose content shows an agent: its check run and its run's tracking comment. */
export function targetsShowingAgent(agent: { id: string; runId: string }): ReportTarget[] {
  return [
    { kind: "check", agentId: agent.id },
    { kind: "comment", runId: agent.runId },
  ];
}
