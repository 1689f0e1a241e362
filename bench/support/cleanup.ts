// Every benchmark starts processes, servers and temp folders; this runs the benchmark and then
// undoes all of it, newest first, whether it finished, threw, or was stopped with Ctrl-C.

type Cleanup = () => Promise<unknown> | unknown;

const cleanups: Cleanup[] = [];

/** Registers something to undo when the benchmark ends. */
export function onCleanup(cleanup: Cleanup): void {
  cleanups.push(cleanup);
}

async function cleanUp(): Promise<void> {
  for (let cleanup = cleanups.pop(); cleanup !== undefined; cleanup = cleanups.pop()) {
    try {
      await cleanup();
    } catch (error) {
      console.error("cleanup failed:", error);
    }
  }
}

/** Runs the benchmark, cleans up after it, and exits 0 or 1 (130/143 when interrupted). */
export async function runBenchmark(main: () => Promise<void>): Promise<never> {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: cleaning up`);
      void cleanUp().finally(() => process.exit(code));
    });
  }
  let exitCode = 0;
  try {
    await main();
  } catch (error) {
    console.error(error);
    exitCode = 1;
  }
  await cleanUp();
  process.exit(exitCode);
}
