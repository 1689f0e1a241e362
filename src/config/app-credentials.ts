// The GitHub App's identity, read the way Probot reads it (@probot/get-private-key: PRIVATE_KEY
// as PEM, with "\n" escapes or base64; PRIVATE_KEY_PATH; a lone *.pem in the working directory)
// and checked before anything starts, so a wrong key is named here instead of failing as
// "privateKey option is required" deep inside Probot.
import { createPrivateKey } from "node:crypto";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { getPrivateKey } from "@probot/get-private-key";
import { type ConfigError, settingError } from "./config-error.ts";

export interface AppCredentials {
  appId: number;
  /** PEM text, as Probot and @octokit/auth-app take it. */
  privateKey: string;
}

const keyFix =
  "set PRIVATE_KEY to the whole content of the .pem file GitHub gave you when the app was registered (newlines as \\n), or PRIVATE_KEY_PATH to that file";

/**
 * The app's credentials; undefined when none are configured at all (the setup flow's case).
 * Throws ConfigError when they are half there or not usable.
 */
export function readAppCredentials(
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd(),
): AppCredentials | undefined {
  const appIdText = nonEmpty(env.APP_ID);
  const privateKey = readPrivateKey(env, cwd);
  if (appIdText === undefined && privateKey === undefined) return undefined;
  if (appIdText === undefined)
    throw settingError(
      "APP_ID",
      "is not set, but a private key is",
      "set APP_ID to the app's numeric id (App ID on the app's settings page on GitHub)",
    );
  if (!/^\d{1,12}$/.test(appIdText) || Number(appIdText) <= 0)
    throw settingError(
      "APP_ID",
      `is ${JSON.stringify(appIdText)}, not a number`,
      "set it to the app's numeric id (App ID on the app's settings page on GitHub)",
    );
  if (privateKey === undefined)
    throw settingError(
      "PRIVATE_KEY",
      `is not set (nor PRIVATE_KEY_PATH), but APP_ID=${appIdText} is`,
      `${keyFix}; or remove APP_ID to register a new app through the setup flow`,
    );
  return { appId: Number(appIdText), privateKey };
}

function readPrivateKey(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const inline = nonEmpty(env.PRIVATE_KEY);
  const path = nonEmpty(env.PRIVATE_KEY_PATH);
  const variable = inline !== undefined ? "PRIVATE_KEY" : path !== undefined ? "PRIVATE_KEY_PATH" : "*.pem";
  if (inline === undefined && path !== undefined) {
    const problem = fileProblem(resolve(cwd, path));
    if (problem !== undefined) throw settingError("PRIVATE_KEY_PATH", `${path}: ${problem}`, keyFix);
  }
  let pem: string | null;
  try {
    pem = getPrivateKey({ env: { ...env, PRIVATE_KEY: inline, PRIVATE_KEY_PATH: path }, cwd });
  } catch (error) {
    throw unusableKey(variable, error);
  }
  if (pem === null) return undefined;
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== "rsa") throw new Error(`an ${key.asymmetricKeyType} key, not RSA`);
  } catch (error) {
    throw unusableKey(variable, error);
  }
  return pem;
}

function unusableKey(variable: string, error: unknown): ConfigError {
  const why =
    error instanceof Error ? error.message.replace(/^\[@probot\/get-private-key\] /, "") : String(error);
  const what =
    variable === "*.pem"
      ? `no PRIVATE_KEY or PRIVATE_KEY_PATH is set, and the .pem file in ${process.cwd()} is not an RSA private key (${why})`
      : `does not hold an RSA private key in PEM form ("-----BEGIN RSA PRIVATE KEY-----"…): ${why}`;
  return settingError(variable === "*.pem" ? "PRIVATE_KEY" : variable, what, keyFix);
}

function fileProblem(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? undefined : "is not a file";
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "";
    return code === "ENOENT"
      ? "no such file"
      : code === "EACCES"
        ? "cannot be read (permission denied)"
        : code;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}
