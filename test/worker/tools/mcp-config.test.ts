import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { flotillaToolNames, writeMcpConfig } from "../../../src/worker/tools/mcp-config.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-mcp-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeMcpConfig", () => {
  it("points the CLI at the gateway's MCP endpoint with the agent's token", async () => {
    const path = join(dir, "mcp-config.json");
    await writeMcpConfig(path, { gatewayUrl: "http://127.0.0.1:4567/", agentToken: "tok-1" });
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({
      mcpServers: {
        flotilla: {
          type: "http",
          url: "http://127.0.0.1:4567/flotilla/mcp",
          headers: { Authorization: "Bearer tok-1" },
        },
      },
    });
  });

  it("leaves the file readable by its owner only, also when it replaces a wider one", async () => {
    const path = join(dir, "mcp-config.json");
    await writeFile(path, "{}", { mode: 0o644 });
    await writeMcpConfig(path, { gatewayUrl: "http://127.0.0.1:1", agentToken: "tok-2" });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, "utf8")).toContain("tok-2");
  });
});

describe("flotillaToolNames", () => {
  it("names the four tools as the CLI offers them", () => {
    expect(flotillaToolNames).toEqual([
      "mcp__flotilla__spawn_agent",
      "mcp__flotilla__list_agents",
      "mcp__flotilla__wait_for_agents",
      "mcp__flotilla__read_agent_result",
    ]);
  });
});
