// Flotilla's process configuration, read once from the environment and validated, so that a
// mistake is reported at start with the variable's name instead of failing later mid-run.
import { fileURLToPath } from "node:url";
import { z } from "zod";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

const positiveInteger = z.coerce.number().int().positive();
const minimumPermissions = ["read", "triage", "write", "maintain", "admin"] as const;
const sandboxModes = ["auto", "namespaces", "off"] as const;

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().optional(),
  /** Where links in check runs and comments point (the agent pages). */
  FLOTILLA_PUBLIC_URL: z.url().optional(),
  REDIS_URL: z.string().optional(),
  FLOTILLA_REDIS_PREFIX: z.string().min(1).default("{flotilla}"),
  DATA_DIR: z.string().default(`${projectRoot}data`),
  CLAUDE_PATH: z.string().default(`${projectRoot}node_modules/.bin/claude`),
  WORKER_CONCURRENCY: positiveInteger.default(2),
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
  DAILY_TOKEN_CAP: z.coerce.number().int().min(0).default(0),
  AGENT_SANDBOX: z.enum(sandboxModes).default("auto"),
  AGENT_SANDBOX_HIDE: z.string().default(""),
  CHECKPOINT_INTERVAL_SECONDS: positiveInteger.default(120),
  WORKTREE_RETENTION_HOURS: z.coerce.number().min(0).default(24),
  GITHUB_WRITES_PER_MINUTE: positiveInteger.default(80),
  GITHUB_WRITES_PER_HOUR: positiveInteger.default(500),
  REPORT_MIN_INTERVAL_MS: positiveInteger.default(10_000),
  WEBHOOK_SECRET: z.string().optional(),
  FLOTILLA_PAGE_SECRET: z.string().min(16).optional(),
  FLOTILLA_LINK_TTL_HOURS: positiveInteger.default(168),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  ANTHROPIC_API_KEY: z.string().optional(),
  CLAUDE_CODE_OAUTH_TOKEN: z.string().optional(),
  ANTHROPIC_BASE_URL: z.url().optional(),
  MODEL_ALLOWED_BETAS: z.string().default(""),
  MODEL_ALLOWED_SERVER_TOOLS: z.string().default(""),
  AGENT_MAX_CONCURRENT_MODEL_CALLS: positiveInteger.default(4),
});

export type MinimumPermission = (typeof minimumPermissions)[number];
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
  githubWritesPerMinute: number;
  githubWritesPerHour: number;
  reportMinIntervalMs: number;
  /** Keys for signing agent page links: FLOTILLA_PAGE_SECRET, else one derived from WEBHOOK_SECRET. */
  pageSecret: string | undefined;
  webhookSecret: string | undefined;
  /** How long a link to an agent page stays valid after the link was written. */
  linkTtlMs: number;
  /** Where a worker-only process serves /metrics, /healthz and /readyz (0: any free port). */
  workerMetricsPort: number;
  /** Upstream model credentials: only the worker's gateway ever holds them. */
  modelUpstream: { apiKey: string | undefined; oauthToken: string | undefined; baseUrl: string };
  /** `anthropic-beta` values agents may send besides those the pinned CLI sends. */
  allowedBetas: string[];
  /** Server tool types agents may use (`web_search` allows every version of it); none by default. */
  allowedServerTools: string[];
  /** Model calls of one agent the gateway forwards at once; more wait. */
  modelCallsPerAgent: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): FlotillaConfig {
  const parsed = envSchema.safeParse(withoutEmptyValues(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join(".");
      // Secrets are named, never echoed: this message ends up in logs.
      const shown = /SECRET|KEY|TOKEN/.test(name) ? "(hidden)" : JSON.stringify(env[name] ?? "");
      return `  ${name}=${shown}: ${issue.message}`;
    });
    throw new ConfigError(
      `Flotilla's environment is invalid; fix these variables (see .env.example):\n${problems.join("\n")}`,
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
    githubWritesPerMinute: e.GITHUB_WRITES_PER_MINUTE,
    githubWritesPerHour: e.GITHUB_WRITES_PER_HOUR,
    reportMinIntervalMs: e.REPORT_MIN_INTERVAL_MS,
    pageSecret: e.FLOTILLA_PAGE_SECRET,
    webhookSecret: e.WEBHOOK_SECRET,
    linkTtlMs: e.FLOTILLA_LINK_TTL_HOURS * 3_600_000,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    modelUpstream: {
      apiKey: e.ANTHROPIC_API_KEY,
      oauthToken: e.CLAUDE_CODE_OAUTH_TOKEN,
      baseUrl: e.ANTHROPIC_BASE_URL ?? "https://api.anthropic.com",
    },
    allowedBetas: commaList(e.MODEL_ALLOWED_BETAS),
    allowedServerTools: commaList(e.MODEL_ALLOWED_SERVER_TOOLS),
    modelCallsPerAgent: e.AGENT_MAX_CONCURRENT_MODEL_CALLS,
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
