// The setup flow a first `./flotilla start` serves while no GitHub App is configured: a page
// that registers the app from a manifest (GitHub's "register from a manifest" flow), and the
// callback that trades GitHub's code for the app's credentials and writes them to `.env`. A
// random `state` ties the callback to a page this process served.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import { resolve } from "node:path";
import type { FlotillaConfig } from "../../config/env.ts";
import { updateEnvFile } from "../../config/env-file.ts";
import { convertManifestCode } from "../../github/app-manifest.ts";
import { githubApiBaseUrl } from "../../github/github-app.ts";
import { listen } from "../../ops/listen.ts";
import { sendMessagePage } from "../pages/page-response.ts";
import { buildManifest, isLocalAddress, webhookUrl } from "./app-manifest.ts";
import { sendRegisteredPage, sendRegisterPage } from "./setup-pages.ts";

const callbackPath = "/setup/callback";
const stateLifetimeMs = 3_600_000;

export interface SetupFlow {
  port: number;
  stop(): Promise<void>;
}

export async function serveSetupFlow(
  config: FlotillaConfig,
  env: NodeJS.ProcessEnv = process.env,
  envFile: string = resolve(".env"),
): Promise<SetupFlow> {
  const states = new Map<string, number>();
  const githubOrigin = env.GHE_HOST
    ? `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}`
    : "https://github.com";
  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://setup.invalid");
      if (request.method === "GET" && url.pathname === "/healthz") {
        response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
        return;
      }
      if (request.method === "GET" && (url.pathname === "/" || url.pathname === "/probot")) {
        const state = randomBytes(16).toString("hex");
        states.set(state, Date.now() + stateLifetimeMs);
        const organization = env.GH_ORG ? `/organizations/${encodeURIComponent(env.GH_ORG)}` : "";
        sendRegisterPage(response, {
          manifest: buildManifest(config, `${requestOrigin(request)}${callbackPath}`),
          createAppUrl: `${githubOrigin}${organization}/settings/apps/new?state=${state}`,
          githubOrigin,
          localWebhooks: isLocalAddress(webhookUrl(config)),
        });
        return;
      }
      if (request.method === "GET" && url.pathname === callbackPath) {
        const code = url.searchParams.get("code") ?? "";
        const state = url.searchParams.get("state") ?? "";
        const expires = states.get(state);
        if (expires === undefined || expires < Date.now() || !/^[\w-]{1,100}$/.test(code)) {
          sendMessagePage(
            response,
            400,
            "Not from this setup page",
            "This address must come from GitHub, after Register GitHub App on this process's setup page. Open the setup page and register again.",
          );
          return;
        }
        states.delete(state);
        const app = await convertManifestCode(githubApiBaseUrl(env), code);
        updateEnvFile(envFile, {
          APP_ID: String(app.id),
          PRIVATE_KEY: app.pem,
          ...(app.webhook_secret === null ? {} : { WEBHOOK_SECRET: app.webhook_secret }),
        });
        console.info(
          `Registered the GitHub App ${app.slug} (APP_ID=${app.id}); its credentials are in ${envFile}. Install it (${app.html_url}/installations/new), then restart Flotilla.`,
        );
        sendRegisteredPage(response, { name: app.name, htmlUrl: app.html_url, envFile });
        return;
      }
      sendMessagePage(response, 404, "Not found", "Flotilla is not set up yet: open / to register it.");
    })().catch((error: unknown) => {
      console.error("setup flow failed:", error);
      if (!response.headersSent)
        sendMessagePage(
          response,
          502,
          "Registration failed",
          `GitHub did not hand the app over (${error instanceof Error ? error.message : String(error)}). The code GitHub gives is valid for an hour and once: register again from the setup page.`,
        );
      else response.end();
    });
  });
  const host = config.host ?? "0.0.0.0";
  const port = await listen(server, { port: config.port, host, portVariable: "PORT", hostVariable: "HOST" });
  console.info(
    `Flotilla is not registered with GitHub yet (no APP_ID / PRIVATE_KEY): open http://${host === "0.0.0.0" ? "localhost" : host}:${port}/ to register it as a GitHub App. GitHub will send webhooks to ${webhookUrl(config)}.`,
  );
  return {
    port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The address the browser used, for GitHub's redirect back (behind a proxy: X-Forwarded-*). */
function requestOrigin(request: IncomingMessage): string {
  const forwardedProto = String(request.headers["x-forwarded-proto"] ?? "")
    .split(",")[0]
    ?.trim();
  const forwardedHost = String(request.headers["x-forwarded-host"] ?? "")
    .split(",")[0]
    ?.trim();
  const protocol = forwardedProto === "https" ? "https" : "http";
  return `${protocol}://${forwardedHost || request.headers.host || "localhost"}`;
}
