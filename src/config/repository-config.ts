// A repository's own Flotilla settings, `.github/agents.yml`, validated. Every key is optional;
// a value that is wrong is reported with its exact key path and what it must be, so the reply
// on GitHub tells people how to fix the file (see config-problems.ts).
import { z } from "zod";
import { parseTokenCount } from "../commands/token-count.ts";
import { type ConfigProblem, problemsFromIssues } from "./config-problems.ts";

const permissionNames = ["read", "triage", "write", "maintain", "admin"] as const;

function wholeNumber(min: number, max: number) {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** `300000`, `300k` or `1.5M`, like `/agents run --budget`. */
function tokenAmount(min: number, max: number) {
  const error = `must be a number of tokens from ${min.toLocaleString("en-US")} to ${max.toLocaleString("en-US")}, such as 500000, 500k or 1.5M`;
  return z.union([z.number(), z.string()], { error }).transform((value, context) => {
    const tokens = parseTokenCount(String(value).trim());
    if (tokens === undefined || tokens < min || tokens > max) {
      context.issues.push({ code: "custom", message: error, input: value });
      return z.NEVER;
    }
    return tokens;
  });
}

const toolNamePattern = /^[A-Za-z][\w-]*(\(.*\))?$/;
const toolName = z
  .string({ error: "must be a tool name such as Read, Edit or Bash(npm test:*)" })
  .regex(toolNamePattern, { error: "must be a tool name such as Read, Edit or Bash(npm test:*)" });

// A path from the repository's root, to a file or a directory: plain names only, so that it is
// also the one git sparse-checkout pattern that names it (no globs, no `..`, nothing git owns).
const sparsePathError =
  "must be a path from the repository's root, such as src/api or package.json (no *, no .., no .git)";
const sparsePath = z
  .string({ error: sparsePathError })
  .max(300, { error: sparsePathError })
  .regex(/^[\w@+=,.-]+(\/[\w@+=,.-]+)*\/?$/, { error: sparsePathError })
  .refine(
    (path) => path.split("/").every((part) => part !== "." && part !== ".." && part.toLowerCase() !== ".git"),
    {
      error: sparsePathError,
    },
  )
  .transform((path) => path.replace(/\/$/, ""));

const repositoryConfigSchema = z
  .strictObject(
    {
      budget: z
        .strictObject(
          {
            /** Tokens a top-level agent gets when `/agents run` names no `--budget`. */
            default: tokenAmount(1_000, 1_000_000_000).optional(),
            /** The most `--budget` may ask for. */
            max: tokenAmount(1_000, 1_000_000_000).optional(),
          },
          { error: "must be a mapping with the keys default and max" },
        )
        .optional(),
      model: z
        .string({ error: "must be a model name such as claude-sonnet-4-5" })
        .regex(/^[\w.:@/[\]-]{1,100}$/, { error: "must be a model name such as claude-sonnet-4-5" })
        .optional(),
      limits: z
        .strictObject(
          {
            max_turns: wholeNumber(1, 10_000).optional(),
            timeout_minutes: wholeNumber(1, 24 * 60).optional(),
            max_depth: wholeNumber(1, 10).optional(),
            max_children: wholeNumber(1, 100).optional(),
            max_agents_per_run: wholeNumber(1, 1_000).optional(),
            max_concurrent_agents: wholeNumber(1, 1_000).optional(),
          },
          { error: "must be a mapping of limits such as max_turns: 50" },
        )
        .optional(),
      allowed_tools: z
        .array(toolName, { error: "must be a list of tool names, such as [Read, Edit, Bash]" })
        .max(100, { error: "must list at most 100 tools" })
        .optional(),
      access: z
        .strictObject(
          {
            minimum_permission: z
              .enum(permissionNames, { error: `must be one of ${permissionNames.join(", ")}` })
              .optional(),
            allow_forks: z.boolean({ error: "must be true or false" }).optional(),
          },
          { error: "must be a mapping with the keys minimum_permission and allow_forks" },
        )
        .optional(),
      workspace: z
        .strictObject(
          {
            /** Only these paths are checked out in agents' worktrees; the rest of the branch stays as it is. */
            sparse: z
              .array(sparsePath, { error: "must be a list of paths, such as [src/api, package.json]" })
              .min(1, { error: "must list at least one path" })
              .max(100, { error: "must list at most 100 paths" })
              .optional(),
          },
          { error: "must be a mapping with the key sparse" },
        )
        .optional(),
      /** What becomes of a child's pull request once its parent merged it: closed, or left open as a stack. */
      children: z.enum(["close", "stack"], { error: "must be close or stack" }).optional(),
      instructions: z
        .string({ error: "must be text (use `|` for several lines)" })
        .max(8_000, { error: "must be at most 8000 characters" })
        .optional(),
    },
    { error: "must be a mapping of settings (see Flotilla's README, “Repository configuration”)" },
  )
  .superRefine((config, context) => {
    const { budget } = config;
    if (budget?.default !== undefined && budget.max !== undefined && budget.default > budget.max) {
      context.issues.push({
        code: "custom",
        path: ["budget", "default"],
        message: `must not be more than budget.max (${budget.max.toLocaleString("en-US")})`,
        input: budget.default,
      });
    }
  });

export type RepositoryConfig = z.output<typeof repositoryConfigSchema>;

export type RepositoryConfigResult =
  | { ok: true; config: RepositoryConfig }
  | { ok: false; problems: ConfigProblem[] };

/** Validates what `.github/agents.yml` holds (already parsed from YAML; null when there is no file). */
export function parseRepositoryConfig(raw: unknown): RepositoryConfigResult {
  const parsed = repositoryConfigSchema.safeParse(raw ?? {}, { reportInput: true });
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, problems: problemsFromIssues(parsed.error.issues, repositoryConfigSchema) };
}
