// Builds the environment of an agent's `claude` process from an allow-list. Anything a command
// run by the agent could print (GitHub tokens, the app key, the webhook secret, Redis URLs, the
// real model key) must never be in it, so nothing is inherited by default.

/** Variables passed through from the worker when set: locale, terminal and proxy basics. */
const passThroughNames = [
  "PATH",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TERM",
  "NO_COLOR",
  "SSL_CERT_FILE",
  "NODE_EXTRA_CA_CERTS",
];
const passThroughPrefixes = ["LC_"];

export interface ModelAccess {
  /** Where the agent's CLI sends model requests. */
  baseUrl: string;
  /** The credential the agent's CLI presents there. */
  apiKey: string;
}

export interface AgentEnvironmentOptions {
  home: string;
  claudeConfigDir: string;
  tmpDir: string;
  modelAccess: ModelAccess;
  /** The worker's own environment, from which allow-listed variables are copied. */
  workerEnvironment?: NodeJS.ProcessEnv;
}

export function buildAgentEnvironment(options: AgentEnvironmentOptions): Record<string, string> {
  const source = options.workerEnvironment ?? process.env;
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (passThroughNames.includes(name) || passThroughPrefixes.some((prefix) => name.startsWith(prefix))) {
      environment[name] = value;
    }
  }
  return {
    ...environment,
    HOME: options.home,
    CLAUDE_CONFIG_DIR: options.claudeConfigDir,
    TMPDIR: options.tmpDir,
    ANTHROPIC_BASE_URL: options.modelAccess.baseUrl,
    ANTHROPIC_API_KEY: options.modelAccess.apiKey,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    // In -p mode the CLI does not wait for MCP servers by default, so under load the first turn
    // would lack Flotilla's tools (docs/cli-facts.md §4): wait for them, up to 20 s.
    MCP_CONNECTION_NONBLOCKING: "0",
    MCP_CONNECT_TIMEOUT_MS: "20000",
    // The CLI writes a new message to its session file before the model request that carries it,
    // rather than ~50–85 ms after (docs/cli-facts.md §9): the gateway holds an agent's first model
    // call until the worker has kept the session, and this way it is there to keep at once.
    CLAUDE_CODE_EAGER_FLUSH: "1",
    // Agents commit nothing themselves, but tools like `git stash` want an identity.
    GIT_AUTHOR_NAME: "flotilla-agent",
    GIT_AUTHOR_EMAIL: "flotilla-agent@users.noreply.github.com",
    GIT_COMMITTER_NAME: "flotilla-agent",
    GIT_COMMITTER_EMAIL: "flotilla-agent@users.noreply.github.com",
  };
}
