// Worker "hosts" for end-to-end tests: each is a worker process with a data dir and a HOME of its
// own and its own WORKER_HOST_NAME, sharing only Redis and the stand-in services with the others,
// as machines of one fleet do. Losing a host loses its disk: `lose` SIGKILLs the worker (its
// agents' sandboxes die with it), kills what its agents left running, and deletes its data dir
// and HOME. Given a bridge (host-network.ts), a host also has a network of its own, reaching
// only the services the test shares with it.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { E2eEnvironment } from "./e2e-environment.ts";
import type { RunningFlotilla } from "./flotilla-process.ts";
import { canIsolateNetwork, type LoopbackBridge, openLoopbackBridge } from "./host-network.ts";
import { killProcessesUnder } from "./kill-processes-under.ts";

export interface WorkerHost {
  name: string;
  dataDir: string;
  home: string;
  worker: RunningFlotilla;
  /** The host dies and its disk with it: nothing of it is left for whoever takes over. */
  lose(): Promise<void>;
  /** SIGTERM: the worker hands its agents back, as a host being drained does. */
  stop(): Promise<void>;
}

export async function startWorkerHost(
  world: E2eEnvironment,
  name: string,
  extraEnv: Record<string, string> = {},
  bridge?: LoopbackBridge,
): Promise<WorkerHost> {
  // The data dir is the host's root, with its HOME inside: the world that started the worker
  // removes it at cleanup, whatever a failed test left. (The sandbox hides both from agents.)
  const dataDir = await mkdtemp(join(tmpdir(), `flotilla-host-${name}-`));
  const home = join(dataDir, "home");
  await mkdir(home, { mode: 0o700 });
  const worker = await world.startFlotilla({
    role: "worker",
    dataDir,
    env: { HOME: home, WORKER_HOST_NAME: name },
    extraEnv,
    ...(bridge === undefined ? {} : { wrap: bridge.isolate }),
  });
  return {
    name,
    dataDir,
    home,
    worker,
    lose: async () => {
      await worker.kill();
      await killProcessesUnder(dataDir);
      await rm(dataDir, { recursive: true, force: true });
    },
    stop: async () => {
      await worker.stop();
      await killProcessesUnder(dataDir);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The bridge that worker hosts of `world` reach its services through, when this kernel lets a
 * test give each host a network of its own; undefined otherwise (hosts then share loopback).
 */
export async function openHostBridge(world: E2eEnvironment): Promise<LoopbackBridge | undefined> {
  if (!canIsolateNetwork()) return undefined;
  return openLoopbackBridge([...Object.values(world.flotillaEnv()), world.cloneUrl]);
}
