// Model access without a gateway: the agent gets the upstream URL and key itself. Only for
// setups where agents are fully trusted; the gateway (see gateway/) is what keeps keys out.
import type { ModelAccess } from "../agent/agent-environment.ts";
import type { FlotillaConfig } from "../config/env.ts";
import type { ModelAccessProvider } from "./worker-dependencies.ts";

export class DirectModelAccess implements ModelAccessProvider {
  readonly chargesSpend = false;
  private readonly access: ModelAccess;

  constructor(upstream: FlotillaConfig["modelUpstream"]) {
    this.access = { baseUrl: upstream.baseUrl, apiKey: upstream.apiKey ?? "" };
  }

  async grant(): Promise<ModelAccess> {
    return this.access;
  }

  async revoke(): Promise<void> {}
}
