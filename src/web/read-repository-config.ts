// Reads `.github/agents.yml` through Probot's `context.config`: the repository's default branch,
// else the owner's `.github` repository, following `_extends`. A file that cannot be used (bad
// YAML, a broken `_extends`) is a problem to report, like an invalid value; GitHub failing to
// answer is an error (the delivery fails and can be redelivered).
import type { Context } from "probot";
import { type ConfigProblem, repositoryConfigPath } from "../config/config-problems.ts";
import { parseRepositoryConfig, type RepositoryConfigResult } from "../config/repository-config.ts";

/** What a handler calls to get the repository's configuration, only once it needs it. */
export type LoadRepositoryConfig = () => Promise<RepositoryConfigResult>;

type ConfigReader = Pick<Context, "config">;

export async function readRepositoryConfig(context: ConfigReader): Promise<RepositoryConfigResult> {
  let raw: unknown;
  try {
    // A list in the repository's file replaces the inherited one instead of adding to it.
    raw = await context.config("agents.yml", {}, { arrayMerge: (_inherited, own: unknown[]) => own });
  } catch (error) {
    const problem = unusableFileProblem(error);
    if (problem === undefined) throw error;
    return { ok: false, problems: [problem] };
  }
  return parseRepositoryConfig(raw);
}

/** Probot's config plugin throws plain Errors; these are the ones about the file itself. */
function unusableFileProblem(error: unknown): ConfigProblem | undefined {
  if (!(error instanceof Error)) return undefined;
  const { message } = error;
  if (message.includes("(invalid YAML)")) {
    const cause = error.cause instanceof Error ? error.cause.message.split("\n")[0] : undefined;
    return { key: "", message: `is not valid YAML${cause === undefined ? "" : `: ${cause}`}` };
  }
  if (message.includes("(YAML is not an object)")) {
    return {
      key: "",
      message: "must be a mapping of settings, such as `limits:` with `max_turns: 50` under it",
    };
  }
  if (message.includes("_extends") || message.includes("Recursion detected")) {
    return {
      key: "_extends",
      message: `cannot be followed (${message.replace("[@probot/octokit-plugin-config] ", "")}); use \`_extends: <repository>\` or \`_extends: <owner>/<repository>:<path>.yml\``,
    };
  }
  if (message.includes("is either a directory or a submodule")) {
    return { key: "", message: `must be a file, but ${repositoryConfigPath} is a directory or a submodule` };
  }
  return undefined;
}
