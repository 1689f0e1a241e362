// Flotilla's MCP server as each agent's `claude` starts it. Every agent start and every resume
// waits for its `initialize`, and from the TypeScript sources that takes half a second or more
// (Node strips the types of each file and loads zod, ajv and the MCP SDK module by module). So
// the worker bundles the server into one minified file when it starts (esbuild) and runs it
// once to fill V8's compile cache (module.flushCompileCache) beside it. Both live in
// <data>/program, which only the worker writes: agents see it read-only (worker-sandbox.ts),
// so what every later agent runs is the worker's, never an agent's.
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { runCommand } from "../process/run-command.ts";

/** The server's entry point in the sources. */
export const mcpServerPath = fileURLToPath(new URL("../agent-tools/mcp-server.ts", import.meta.url));

/** How the CLI starts the server: `node <entry>`, with the compile cache when there is one. */
export interface McpServerProgram {
  entry: string;
  compileCacheDir?: string;
}

/** The server from its sources (tests, benchmarks); agents of a worker get the bundle. */
export const mcpServerFromSources: McpServerProgram = { entry: mcpServerPath };

/** Where the bundle and its compile cache go under the data dir. */
export function mcpServerProgramDir(dataDir: string): string {
  return join(dataDir, "program");
}

/** Bundles the server into `<data>/program` and warms its compile cache; throws with the cause. */
export async function prepareMcpServerProgram(dataDir: string): Promise<McpServerProgram> {
  const directory = mcpServerProgramDir(dataDir);
  await mkdir(directory, { recursive: true });
  const entry = join(directory, "mcp-server.mjs");
  // Other workers on this data dir may be running agents from the current file: replace it whole.
  const building = join(directory, `mcp-server.${process.pid}.tmp.mjs`);
  await build({
    entryPoints: [mcpServerPath],
    outfile: building,
    bundle: true,
    minify: true,
    platform: "node",
    format: "esm",
    target: `node${process.versions.node}`,
    // The SDK's CommonJS dependencies (ajv) call require(), which an ES module lacks.
    banner: {
      js: "import{createRequire as __flotillaRequire}from'node:module';const require=__flotillaRequire(import.meta.url);",
    },
    logLevel: "silent",
  }).catch(async (error: unknown) => {
    await rm(building, { force: true });
    throw new Error(`could not bundle Flotilla's MCP server (${mcpServerPath}): ${String(error)}`);
  });
  await rename(building, entry);
  const compileCacheDir = join(directory, "compile-cache");
  // Loading the bundle once with the warm-up switch fills the cache, then exits.
  await runCommand(process.execPath, [entry], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      NODE_COMPILE_CACHE: compileCacheDir,
      FLOTILLA_MCP_WARM_UP: "1",
    },
    timeoutMs: 60_000,
  });
  return { entry, compileCacheDir };
}
