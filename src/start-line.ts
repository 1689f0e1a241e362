// The one line a process prints when it has started: what it is and where it listens, so an
// operator (or a test) can see at a glance what runs. Nothing secret: no password, no token.
import type { FlotillaConfig } from "./config/env.ts";
import { flotillaVersion } from "./config/version.ts";

export interface ProcessFacts {
  role: string;
  config: FlotillaConfig;
  web: { host: string; port: number } | undefined;
  ops: { host: string; port: number };
  redis: string;
  /** Undefined in a process without the worker role. */
  sandbox: string | undefined;
}

export function describeProcess(facts: ProcessFacts): string {
  const { config } = facts;
  const parts = [
    facts.web === undefined
      ? undefined
      : `web http://${hostPort(facts.web)} (webhooks /api/github/webhooks, public ${config.publicUrl}${config.webhookProxyUrl === undefined ? "" : `, via ${config.webhookProxyUrl}`})`,
    `ops http://${hostPort(facts.ops)} (/metrics, /healthz, /readyz)`,
    `Redis ${facts.redis}`,
    facts.sandbox === undefined ? undefined : `sandbox ${facts.sandbox}`,
    facts.sandbox === undefined ? undefined : `${config.workerConcurrency} agents at once`,
    facts.sandbox === undefined ? undefined : `model ${config.model ?? "the CLI's default"}`,
  ];
  return `Flotilla ${flotillaVersion} started (${facts.role}): ${parts.filter((part) => part !== undefined).join(", ")}`;
}

function hostPort(address: { host: string; port: number }): string {
  return `${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port}`;
}
