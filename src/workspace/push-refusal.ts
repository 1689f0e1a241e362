// GitHub refuses a push that creates or changes a workflow (`.github/workflows/*`) from a GitHub
// App without the `workflows` permission, which Flotilla's app.yml does not ask for on purpose
// (a workflow runs with the repository's secrets). That refusal is not a failure of Flotilla's:
// it is named here so the agent's check run can say what happened and what to grant.
import { CommandFailedError } from "../process/run-command.ts";

/** GitHub's words: "refusing to allow a GitHub App to create or update workflow `<path>` without `workflows` permission". */
const workflowRefusal = /refusing to allow an? (?:GitHub|OAuth) App to create or update workflow `([^`]+)`/g;

export class WorkflowPushRefusedError extends Error {
  /** The workflow files GitHub named. */
  readonly files: string[];

  constructor(files: string[]) {
    super(
      `GitHub refused the push: it changes ${files.map((file) => `\`${file}\``).join(", ")}, and the GitHub App has no \`workflows\` permission`,
    );
    this.name = "WorkflowPushRefusedError";
    this.files = files;
  }
}

/** The refusal a failed push met, when it was GitHub's workflow rule; else the error unchanged. */
export function classifyPushFailure(error: unknown): unknown {
  if (!(error instanceof CommandFailedError)) return error;
  const files = [...new Set([...error.stderr.matchAll(workflowRefusal)].map((match) => match[1] ?? ""))];
  return files.length === 0 ? error : new WorkflowPushRefusedError(files);
}
