// The end-to-end world of the tests (bare repository, stand-in GitHub, Redis prefix, Flotilla
// processes) for a benchmark, with one cleanup that runs once: at the end, on failure, or on
// Ctrl-C, so no process, temporary folder or Redis key outlives the benchmark.
import { createE2eEnvironment, type E2eEnvironment } from "../../test/support/e2e-environment.ts";

export async function openBenchWorld(
  name: string,
): Promise<{ world: E2eEnvironment; cleanup: () => Promise<void> }> {
  const world = await createE2eEnvironment(name);
  let cleaning: Promise<void> | undefined;
  const cleanup = () => {
    cleaning ??= world.cleanup();
    return cleaning;
  };
  process.once("SIGINT", () => void cleanup().finally(() => process.exit(130)));
  return { world, cleanup };
}

/** After a failure: the last lines each Flotilla process logged, which otherwise die with it. */
export function printLogTails(world: E2eEnvironment, lines = 40): void {
  for (const running of world.processes) {
    console.error(`--- last ${lines} log lines of the Flotilla process on port ${running.port}:`);
    console.error(running.logs.slice(-lines).join("\n"));
  }
}
