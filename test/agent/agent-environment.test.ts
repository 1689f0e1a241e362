import { describe, expect, it } from "vitest";
import { buildAgentEnvironment } from "../../src/agent/agent-environment.ts";

const workerEnvironment = {
  PATH: "/usr/bin:/bin",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  TZ: "UTC",
  GITHUB_TOKEN: "ghs_secret",
  GH_TOKEN: "ghp_secret",
  PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----",
  PRIVATE_KEY_PATH: "/secrets/app.pem",
  WEBHOOK_SECRET: "hook-secret",
  APP_ID: "123",
  REDIS_URL: "redis://:pw@redis:6379",
  ANTHROPIC_API_KEY: "sk-ant-real-key",
  CLAUDE_CODE_OAUTH_TOKEN: "oauth-real",
  AWS_SECRET_ACCESS_KEY: "aws",
  NPM_TOKEN: "npm",
  HOME: "/root",
};

describe("buildAgentEnvironment", () => {
  const environment = buildAgentEnvironment({
    home: "/data/agents/r1/a/home",
    claudeConfigDir: "/data/agents/r1/a/home/.claude",
    tmpDir: "/data/agents/r1/a/tmp",
    modelAccess: { baseUrl: "http://127.0.0.1:7000", apiKey: "agent-token-abc" },
    workerEnvironment,
  });

  it("passes only allow-listed variables through from the worker", () => {
    expect(environment.PATH).toBe("/usr/bin:/bin");
    expect(environment.LANG).toBe("C.UTF-8");
    expect(environment.LC_ALL).toBe("C.UTF-8");
    expect(environment.TZ).toBe("UTC");
  });

  it("never contains a secret of the worker, by name or by value", () => {
    for (const name of [
      "GITHUB_TOKEN",
      "GH_TOKEN",
      "PRIVATE_KEY",
      "PRIVATE_KEY_PATH",
      "WEBHOOK_SECRET",
      "APP_ID",
      "REDIS_URL",
      "CLAUDE_CODE_OAUTH_TOKEN",
      "AWS_SECRET_ACCESS_KEY",
      "NPM_TOKEN",
    ]) {
      expect(environment).not.toHaveProperty(name);
    }
    const values = Object.values(environment).join("\n");
    for (const secret of [
      "ghs_secret",
      "ghp_secret",
      "BEGIN RSA",
      "hook-secret",
      "redis://",
      "sk-ant-real-key",
      "oauth-real",
    ]) {
      expect(values).not.toContain(secret);
    }
  });

  it("gives the agent its own home, config dir and model credential", () => {
    expect(environment.HOME).toBe("/data/agents/r1/a/home");
    expect(environment.CLAUDE_CONFIG_DIR).toBe("/data/agents/r1/a/home/.claude");
    expect(environment.TMPDIR).toBe("/data/agents/r1/a/tmp");
    expect(environment.ANTHROPIC_BASE_URL).toBe("http://127.0.0.1:7000");
    expect(environment.ANTHROPIC_API_KEY).toBe("agent-token-abc");
    expect(environment.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC).toBe("1");
  });
});
