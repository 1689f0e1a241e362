// Flotilla's process configuration, read once from the environment and validated, so that a
// mistake is reported at start with the variable's name, what is wrong with its value and how
// to fix it, instead of failing later mid-run.

import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError } from "./config-error.ts";
import { redisUrlProblem } from "./redis-url.ts";

export { ConfigError } from "./config-error.ts";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

const positiveInteger = z.coerce
  .number({ error: "must be a whole number greater than 0" })
  .int({ error: "must be a whole number greater than 0" })
  .positive({ error: "must be a whole number greater than 0" });
const portNumber = z.coerce
  .number({ error: "must be a port number from 0 to 65535" })
  .int({ error: "must be a port number from 0 to 65535" })
  .min(0, { error: "must be a port number from 0 to 65535" })
  .max(65_535, { error: "must be a port number from 0 to 65535" });
const absoluteUrl = z.url({ error: "must be an absolute URL such as https://flotilla.example.com" });
const minimumPermissions = ["read", "triage", "write", "maintain", "admin"] as const;
const sandboxModes = ["auto", "namespaces", "off"] as const;

const envSchema = z.object({
  PORT: portNumber.default(3000),
  HOST: z.string().optional(),
  /** Where links in check runs and comments point (the agent pages), and GitHub's webhooks. */
  FLOTILLA_PUBLIC_URL: absoluteUrl.optional(),
  WEBHOOK_PROXY_URL: absoluteUrl.optional(),
  REDIS_URL: z
    .string()
    .optional()
    .superRefine((value, context) => {
      const problem = value === undefined ? undefined : redisUrlProblem(value);
      if (problem !== undefined) context.addIssue({ code: "custom", message: problem });
    }),
  FLOTILLA_REDIS_PREFIX: z.string().min(1).default("{flotilla}"),
  DATA_DIR: z.string().default(`${projectRoot}data`),
  CLAUDE_PATH: z.string().default(`${projectRoot}node_modules/.bin/claude`),
  WORKER_CONCURRENCY: positiveInteger.default(2),
  /** The name this worker's host goes by on /agents status and the run page. */
  WORKER_HOST_NAME: z.string().min(1).default(hostname()),
  WEBHOOK_CONCURRENCY: positiveInteger.default(16),
  WORKER_LOCK_DURATION_MS: positiveInteger.default(30_000),
  WORKER_STALLED_INTERVAL_MS: positiveInteger.default(30_000),
  SHUTDOWN_GRACE_MS: positiveInteger.default(20_000),
  AGENT_BUDGET_TOKENS: positiveInteger.default(2_000_000),
  AGENT_MAX_BUDGET_TOKENS: positiveInteger.default(20_000_000),
  AGENT_MAX_TURNS: positiveInteger.default(100),
  // Fractions allowed (0.5 = 30 s), e.g. for tests of the limit itself.
  AGENT_TIMEOUT_MINUTES: z.coerce.number().positive().default(60),
  AGENT_MODEL: z.string().optional(),
  AGENT_ALLOWED_TOOLS: z.string().default("Read,Write,Edit,MultiEdit,Glob,Grep,LS,Bash,TodoWrite,Task"),
  AGENT_MAX_DEPTH: positiveInteger.default(3),
  AGENT_MAX_CHILDREN: positiveInteger.default(8),
  AGENT_MAX_PER_RUN: positiveInteger.default(50),
  AGENT_CHILD_BUDGET_SHARE: z.coerce.number().gt(0).lte(1).default(0.25),
  AGENT_MAX_CONCURRENT_PER_REPO: z.coerce.number().int().min(0).default(0),
  MIN_PERMISSION: z.enum(minimumPermissions).default("write"),
  FLOTILLA_ALLOW_FORKS: z
    .enum(["true", "false", "1", "0"], { error: "must be true or false" })
    .default("false")
    .transform((value) => value === "true" || value === "1"),
  DAILY_TOKEN_CAP: z.coerce.number().int().min(0).default(0),
  AGENT_SANDBOX: z.enum(sandboxModes).default("auto"),
  AGENT_SANDBOX_HIDE: z.string().default(""),
  CHECKPOINT_INTERVAL_SECONDS: positiveInteger.default(120),
  WORKTREE_RETENTION_HOURS: z.coerce.number().min(0).default(24),
  WORKTREE_POOL_SIZE: z.coerce.number().int().min(0).max(64).default(4),
  WORKTREE_POOL_MIN_FILES: z.coerce.number().int().min(0).default(1_000),
  AGENT_BRANCH_RETENTION_HOURS: z.coerce.number().min(0).default(24),
  GITHUB_WRITES_PER_MINUTE: positiveInteger.default(80),
  GITHUB_WRITES_PER_HOUR: positiveInteger.default(500),
  REPORT_MIN_INTERVAL_MS: positiveInteger.default(10_000),
  WEBHOOK_SECRET: z.string().optional(),
  FLOTILLA_PAGE_SECRET: z.string().min(16, { error: "must be at least 16 characters" }).optional(),
  FLOTILLA_LINK_TTL_HOURS: positiveInteger.default(168),
  OPS_HOST: z.string().min(1).default("127.0.0.1"),
  OPS_PORT: portNumber.optional(),
  OPS_TOKEN: z.string().min(16, { error: "must be at least 16 characters" }).optional(),
  ANTHROPIC_API_KEY: z.string().optional(),
  CLAUDE_CODE_OAUTH_TOKEN: z.string().optional(),
  ANTHROPIC_BASE_URL: absoluteUrl.optional(),
  MODEL_ALLOWED_BETAS: z.string().default(""),
  MODEL_ALLOWED_SERVER_TOOLS: z.string().default(""),
  AGENT_MAX_CONCURRENT_MODEL_CALLS: positiveInteger.default(4),
  // Fractions allowed (0.01 = 36 s), e.g. for tests of the limit itself.
  MODEL_WAIT_MAX_HOURS: z.coerce.number().positive().default(6),
});

/** Every variable Flotilla itself reads (Probot reads APP_ID, PRIVATE_KEY, GHE_HOST, LOG_* …). */
export const flotillaVariables: readonly string[] = Object.keys(envSchema.shape);

type MinimumPermission = (typeof minimumPermissions)[number];
export type SandboxMode = (typeof sandboxModes)[number];

export interface FlotillaConfig {
  port: number;
  host: string | undefined;
  publicUrl: string;
  redisUrl: string | undefined;
  redisPrefix: string;
  dataDir: string;
  claudePath: string;
  workerConcurrency: number;
  /** The host an agent runs on, as /agents status and the run page name it (WORKER_HOST_NAME). */
  workerHostName: string;
  /** Stored webhook deliveries a web process handles at once (permission, config, run start). */
  webhookConcurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  shutdownGraceMs: number;
  defaultBudgetTokens: number;
  maxBudgetTokens: number;
  maxTurns: number;
  agentTimeoutMs: number;
  model: string | undefined;
  allowedTools: string[];
  maxDepth: number;
  maxChildrenPerAgent: number;
  maxAgentsPerRun: number;
  childBudgetShare: number;
  /** Agents of one repository running at once, process-wide; undefined: no limit. */
  maxConcurrentPerRepository: number | undefined;
  minimumPermission: MinimumPermission;
  /** Tokens one installation may spend per UTC day; undefined: no cap. */
  dailyTokenCap: number | undefined;
  /** How agents are isolated from the worker (see agent/agent-sandbox.ts). */
  sandboxMode: SandboxMode;
  /** Extra paths hidden from agents by the sandbox. */
  sandboxHiddenPaths: string[];
  checkpointIntervalMs: number;
  worktreeRetentionMs: number;
  /**
   * Finished worktrees each repository's mirror keeps on a host for new agents to start from
   * (`size`, 0: none); one with fewer than `minFiles` files is removed, not pooled (a fresh
   * checkout is faster).
   */
  worktreePool: { size: number; minFiles: number };
  /** The operator's half of allowing agents on forks' pull requests (the repository's is `access.allow_forks`). */
  allowForks: boolean;
  /** How long an agent's branch outlives its pull request closed unmerged. */
  agentBranchRetentionMs: number;
  githubWritesPerMinute: number;
  githubWritesPerHour: number;
  reportMinIntervalMs: number;
  /** Keys for signing agent page links: FLOTILLA_PAGE_SECRET, else one derived from WEBHOOK_SECRET. */
  pageSecret: string | undefined;
  webhookSecret: string | undefined;
  /** How long a link to an agent page stays valid after the link was written. */
  linkTtlMs: number;
  /** The operator's listener (/metrics, /healthz, /readyz): loopback unless the operator says otherwise. */
  ops: {
    host: string;
    /** Undefined: the role's default (9464 for all and web, 9465 for a worker); 0: any free port. */
    port: number | undefined;
    /** When set, /metrics answers requests from beyond this host that present it as a bearer token. */
    token: string | undefined;
  };
  /** A smee.io (or similar) channel whose deliveries this process forwards to its own webhook path. */
  webhookProxyUrl: string | undefined;
  /** Upstream model credentials: only the worker's gateway ever holds them. */
  modelUpstream: { apiKey: string | undefined; oauthToken: string | undefined; baseUrl: string };
  /** `anthropic-beta` values agents may send besides those the pinned CLI sends. */
  allowedBetas: string[];
  /** Server tool types agents may use (`web_search` allows every version of it); none by default. */
  allowedServerTools: string[];
  /** Model calls of one agent the gateway forwards at once; more wait. */
  modelCallsPerAgent: number;
  /** The longest an agent stays parked for the model API (rate limits, overload, outages) before it fails. */
  modelWaitMaxMs: number;
}

/** The ops listener's port: OPS_PORT, else 9464 (all, web) or 9465 (worker), so both fit on one host. */
export function opsPortFor(config: Pick<FlotillaConfig, "ops">, role: "all" | "web" | "worker"): number {
  return config.ops.port ?? (role === "worker" ? 9465 : 9464);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): FlotillaConfig {
  const parsed = envSchema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join(".");
      // Secrets are named, never echoed: this message ends up in logs.
      const shown = /SECRET|KEY|TOKEN/.test(name) ? "(hidden)" : JSON.stringify(env[name] ?? "");
      return `  ${name}=${shown}: ${issue.message}. Fix: correct it, or remove it to use the default.`;
    });
    throw new ConfigError(
      `Flotilla's settings are invalid; fix these variables (in the environment or .env; see .env.example):\n${problems.join("\n")}`,
    );
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.FLOTILLA_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    redisUrl: e.REDIS_URL,
    redisPrefix: e.FLOTILLA_REDIS_PREFIX,
    dataDir: e.DATA_DIR,
    claudePath: e.CLAUDE_PATH,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerHostName: e.WORKER_HOST_NAME,
    webhookConcurrency: e.WEBHOOK_CONCURRENCY,
    lockDurationMs: e.WORKER_LOCK_DURATION_MS,
    stalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    defaultBudgetTokens: e.AGENT_BUDGET_TOKENS,
    maxBudgetTokens: e.AGENT_MAX_BUDGET_TOKENS,
    maxTurns: e.AGENT_MAX_TURNS,
    agentTimeoutMs: Math.round(e.AGENT_TIMEOUT_MINUTES * 60_000),
    model: e.AGENT_MODEL,
    allowedTools: e.AGENT_ALLOWED_TOOLS.split(",")
      .map((tool) => tool.trim())
      .filter((tool) => tool.length > 0),
    maxDepth: e.AGENT_MAX_DEPTH,
    maxChildrenPerAgent: e.AGENT_MAX_CHILDREN,
    maxAgentsPerRun: e.AGENT_MAX_PER_RUN,
    childBudgetShare: e.AGENT_CHILD_BUDGET_SHARE,
    maxConcurrentPerRepository:
      e.AGENT_MAX_CONCURRENT_PER_REPO === 0 ? undefined : e.AGENT_MAX_CONCURRENT_PER_REPO,
    minimumPermission: e.MIN_PERMISSION,
    dailyTokenCap: e.DAILY_TOKEN_CAP === 0 ? undefined : e.DAILY_TOKEN_CAP,
    sandboxMode: e.AGENT_SANDBOX,
    sandboxHiddenPaths: e.AGENT_SANDBOX_HIDE.split(":")
      .map((path) => path.trim())
      .filter((path) => path.startsWith("/")),
    checkpointIntervalMs: e.CHECKPOINT_INTERVAL_SECONDS * 1000,
    worktreeRetentionMs: e.WORKTREE_RETENTION_HOURS * 3_600_000,
    worktreePool: { size: e.WORKTREE_POOL_SIZE, minFiles: e.WORKTREE_POOL_MIN_FILES },
    allowForks: e.FLOTILLA_ALLOW_FORKS,
    agentBranchRetentionMs: e.AGENT_BRANCH_RETENTION_HOURS * 3_600_000,
    githubWritesPerMinute: e.GITHUB_WRITES_PER_MINUTE,
    githubWritesPerHour: e.GITHUB_WRITES_PER_HOUR,
    reportMinIntervalMs: e.REPORT_MIN_INTERVAL_MS,
    pageSecret: e.FLOTILLA_PAGE_SECRET,
    webhookSecret: e.WEBHOOK_SECRET,
    linkTtlMs: e.FLOTILLA_LINK_TTL_HOURS * 3_600_000,
    ops: { host: e.OPS_HOST, port: e.OPS_PORT, token: e.OPS_TOKEN },
    webhookProxyUrl: e.WEBHOOK_PROXY_URL,
    modelUpstream: {
      apiKey: e.ANTHROPIC_API_KEY,
      oauthToken: e.CLAUDE_CODE_OAUTH_TOKEN,
      baseUrl: e.ANTHROPIC_BASE_URL ?? "https://api.anthropic.com",
    },
    allowedBetas: commaList(e.MODEL_ALLOWED_BETAS),
    allowedServerTools: commaList(e.MODEL_ALLOWED_SERVER_TOOLS),
    modelCallsPerAgent: e.AGENT_MAX_CONCURRENT_MODEL_CALLS,
    modelWaitMaxMs: Math.round(e.MODEL_WAIT_MAX_HOURS * 3_600_000),
  };
}

function commaList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function withoutEmptyValues(env: NodeJS.ProcessEnv): Record<string, string> {
  const cleaned: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && value !== "") cleaned[name] = value;
  return cleaned;
}
