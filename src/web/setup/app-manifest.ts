// The manifest the setup page posts to GitHub: app.yml (name, permissions, events) with the
// addresses of this installation: webhooks go to WEBHOOK_PROXY_URL when set (a smee.io channel
// for a machine GitHub cannot reach), else to FLOTILLA_PUBLIC_URL's webhook path.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import type { FlotillaConfig } from "../../config/env.ts";
import { webhookPath } from "../webhook-path.ts";

const appYml = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    url: z.string(),
    public: z.boolean().optional(),
    default_events: z.array(z.string()),
    default_permissions: z.record(z.string(), z.string()),
  })
  .loose();

export interface Manifest {
  name: string;
  url: string;
  description?: string;
  hook_attributes: { url: string; active: boolean };
  redirect_url: string;
  public: boolean;
  default_events: string[];
  default_permissions: Record<string, string>;
}

const appYmlPath = new URL("../../../app.yml", import.meta.url);

/** Where GitHub will send webhooks for the app registered now. */
export function webhookUrl(config: Pick<FlotillaConfig, "webhookProxyUrl" | "publicUrl">): string {
  return config.webhookProxyUrl ?? `${config.publicUrl}${webhookPath}`;
}

export function buildManifest(
  config: Pick<FlotillaConfig, "webhookProxyUrl" | "publicUrl">,
  callbackUrl: string,
): Manifest {
  const app = appYml.parse(parse(readFileSync(appYmlPath, "utf8")));
  return {
    name: app.name,
    url: app.url,
    ...(app.description === undefined ? {} : { description: app.description }),
    hook_attributes: { url: webhookUrl(config), active: true },
    redirect_url: callbackUrl,
    public: app.public ?? false,
    default_events: app.default_events,
    default_permissions: app.default_permissions,
  };
}

/** Whether GitHub could not deliver to this address (this machine only). */
export function isLocalAddress(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host.startsWith("127.") || host === "[::1]" || host === "0.0.0.0";
}
