// A GitHub App identity for tests: an RSA key made once per process, in the PKCS#1 PEM form
// ("BEGIN RSA PRIVATE KEY") GitHub hands out, with an app id and a webhook secret to match.
import { generateKeyPairSync } from "node:crypto";

export interface AppCredentials {
  appId: number;
  privateKey: string;
  webhookSecret: string;
}

let cached: AppCredentials | undefined;

/** The same credentials for every caller in this process (key generation takes ~100 ms). */
export function testAppCredentials(): AppCredentials {
  cached ??= {
    appId: 424242,
    privateKey: generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
    }).privateKey,
    webhookSecret: "flotilla-test-webhook-secret",
  };
  return cached;
}
