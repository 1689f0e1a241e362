// `GET /app` with the app's own JWT: proof that APP_ID and the private key belong together and
// that GitHub (or GitHub Enterprise at GHE_HOST) accepts them.
import { pino } from "pino";
import { Probot } from "probot";
import { FlotillaOctokit } from "./github-app.ts";

interface AppIdentity {
  id: number;
  slug: string;
  name: string;
  htmlUrl: string;
  permissions: Record<string, string>;
  events: string[];
}

export type AppIdentityAnswer =
  | { ok: true; app: AppIdentity }
  | { ok: false; status: number | undefined; message: string };

export async function fetchAppIdentity(options: {
  appId: number;
  privateKey: string;
  baseUrl: string;
}): Promise<AppIdentityAnswer> {
  const probot = new Probot({
    appId: options.appId,
    privateKey: options.privateKey,
    baseUrl: options.baseUrl,
    Octokit: FlotillaOctokit,
    log: pino({ level: "silent" }),
  });
  try {
    const client = await probot.auth();
    const { data } = await client.request("GET /app", { request: { signal: AbortSignal.timeout(10_000) } });
    if (data === null)
      return { ok: false, status: undefined, message: "GitHub answered GET /app with nothing" };
    const permissions: Record<string, string> = {};
    for (const [name, level] of Object.entries(data.permissions ?? {}))
      if (typeof level === "string") permissions[name] = level;
    return {
      ok: true,
      app: {
        id: data.id,
        slug: data.slug ?? String(data.id),
        name: data.name,
        htmlUrl: data.html_url,
        permissions,
        events: data.events,
      },
    };
  } catch (error) {
    const status =
      typeof error === "object" && error !== null && "status" in error ? Number(error.status) : undefined;
    return { ok: false, status, message: error instanceof Error ? error.message : String(error) };
  }
}
