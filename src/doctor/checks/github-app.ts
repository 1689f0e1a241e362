// The GitHub App: GET /app with its JWT. A refusal (wrong key, wrong APP_ID) is fatal; GitHub
// being unreachable is a warning (deliveries and writes wait for it).

import { fetchAppIdentity } from "../../github/app-identity.ts";
import { githubApiBaseUrl } from "../../github/github-app.ts";
import type { Check } from "../check.ts";
import { everyRole } from "../check.ts";

export const githubAppCheck: Check = {
  name: "GitHub App",
  appliesTo: everyRole,
  atStart: true,
  run: async ({ credentials, env }) => {
    if (credentials === undefined)
      return {
        status: "fail",
        detail: "no GitHub App yet (APP_ID and PRIVATE_KEY are not set)",
        fix: "run ./flotilla start and register the app at the address it prints (the setup flow writes .env), or set APP_ID and PRIVATE_KEY",
      };
    const baseUrl = githubApiBaseUrl(env);
    const answer = await fetchAppIdentity({ ...credentials, baseUrl });
    if (answer.ok)
      return { status: "ok", detail: `${answer.app.slug} (APP_ID=${answer.app.id}) at ${baseUrl}` };
    if (answer.status === 401 || answer.status === 403 || answer.status === 404)
      return {
        status: "fail",
        detail: `${baseUrl} refused APP_ID=${credentials.appId} with this private key (${answer.status}: ${answer.message})`,
        fix: "APP_ID and PRIVATE_KEY must be of the same app: copy App ID from the app's settings page and generate a new private key there",
      };
    return {
      status: "warn",
      detail: `${baseUrl} did not answer GET /app: ${answer.message}`,
      fix: "check this host's network access to GitHub (or GHE_HOST / GHE_PROTOCOL)",
    };
  },
};
