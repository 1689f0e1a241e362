// The end of GitHub's "register an app from a manifest" flow: the code GitHub hands the browser
// is traded, once and without authentication, for the new app's id, private key and webhook
// secret. The stand-in's "new app" is the app it already plays, so the key it hands out is the
// one its JWT check expects.
import { renderApp } from "../render-common.ts";
import { notFound, ok } from "../replies.ts";
import type { Route, RouteEnv } from "../router.ts";

export interface ManifestCodes {
  /** Codes GitHub handed out and not yet traded, with what the trade returns. */
  pending: Map<string, { pem: string; webhookSecret: string }>;
  traded: string[];
}

export function manifestRoutes({ state, urls }: RouteEnv, codes: ManifestCodes): Route[] {
  return [
    {
      method: "POST",
      pattern: "/app-manifests/:code/conversions",
      auth: "none",
      handler: ({ param }) => {
        const code = param("code");
        const grant = codes.pending.get(code);
        if (grant === undefined) return notFound();
        codes.pending.delete(code);
        codes.traded.push(code);
        return ok(
          {
            ...renderApp(state.app, urls()),
            client_secret: "fake-client-secret",
            webhook_secret: grant.webhookSecret,
            pem: grant.pem,
          },
          201,
        );
      },
    },
  ];
}
