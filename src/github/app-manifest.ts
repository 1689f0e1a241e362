// The last step of registering a GitHub App from a manifest: GitHub hands the browser a
// one-hour code, and `POST /app-manifests/{code}/conversions` trades it for the new app's id,
// private key and webhook secret (no authentication: the code is the credential).
import { z } from "zod";
import { FlotillaOctokit } from "./github-app.ts";

const conversion = z.object({
  id: z.number().int().positive(),
  slug: z.string(),
  name: z.string(),
  html_url: z.string(),
  pem: z.string(),
  webhook_secret: z.string().nullable(),
});

export type RegisteredApp = z.infer<typeof conversion>;

export async function convertManifestCode(baseUrl: string, code: string): Promise<RegisteredApp> {
  const client = new FlotillaOctokit({ baseUrl });
  const response = await client.request("POST /app-manifests/{code}/conversions", {
    code,
    request: { signal: AbortSignal.timeout(15_000) },
  });
  return conversion.parse(response.data);
}
