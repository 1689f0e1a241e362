import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mcpServerFromSources, mcpServerPath } from "../../../src/agent/mcp-server-program.ts";
import { flotillaToolNames, writeMcpConfig } from "../../../src/worker/tools/mcp-config.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-mcp-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeMcpConfig", () => {
  it("writes a stdio server entry that runs this Node on mcp-server.ts with the gateway settings", async () => {
    const path = join(dir, "mcp-config.json");
    await writeMcpConfig(path, {
      gatewayUrl: "http://127.0.0.1:4567",
      agentToken: "tok-1",
      server: mcpServerFromSources,
    });
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({
      mcpServers: {
        flotilla: {
          type: "stdio",
          command: process.execPath,
          args: [mcpServerPath],
          env: { FLOTILLA_GATEWAY_URL: "http://127.0.0.1:4567", FLOTILLA_AGENT_TOKEN: "tok-1" },
        },
      },
    });
    expect(mcpServerPath).toMatch(/\/src\/agent-tools\/mcp-server\.ts$/);
    await expect(stat(mcpServerPath)).resolves.toBeTruthy();
  });

  it("starts the worker's bundle with its compile cache", async () => {
    const path = join(dir, "mcp-config.json");
    const server = { entry: "/data/program/mcp-server.mjs", compileCacheDir: "/data/program/compile-cache" };
    await writeMcpConfig(path, { gatewayUrl: "http://127.0.0.1:4567", agentToken: "tok-1", server });
    expect(JSON.parse(await readFile(path, "utf8")).mcpServers.flotilla).toEqual({
      type: "stdio",
      command: process.execPath,
      args: ["/data/program/mcp-server.mjs"],
      env: {
        FLOTILLA_GATEWAY_URL: "http://127.0.0.1:4567",
        FLOTILLA_AGENT_TOKEN: "tok-1",
        NODE_COMPILE_CACHE: "/data/program/compile-cache",
      },
    });
  });

  it("leaves the file readable by its owner only, also when it replaces a wider one", async () => {
    const path = join(dir, "mcp-config.json");
    await writeFile(path, "{}", { mode: 0o644 });
    await writeMcpConfig(path, {
      gatewayUrl: "http://127.0.0.1:1",
      agentToken: "tok-2",
      server: mcpServerFromSources,
    });
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
