// The webhook secret: without it Flotilla cannot tell GitHub's deliveries from anyone's.
import type { Check } from "../check.ts";
import { webRoles } from "../check.ts";

const fix =
  "set WEBHOOK_SECRET to the Webhook secret on the GitHub App's settings page (the setup flow writes it to .env)";

export const webhookSecretCheck: Check = {
  name: "webhook secret",
  appliesTo: webRoles,
  atStart: true,
  run: async ({ config }) => {
    const secret = config.webhookSecret;
    if (secret === undefined)
      return { status: "fail", detail: "WEBHOOK_SECRET is not set: no delivery could be verified", fix };
    if (secret.length < 16)
      return {
        status: "warn",
        detail: `WEBHOOK_SECRET is only ${secret.length} characters long`,
        fix: "use a long random secret (e.g. openssl rand -hex 32), in the app's settings and here",
      };
    return { status: "ok", detail: `set (${secret.length} characters)` };
  },
};
