// Workspace: what one more agent costs in time and disk, with Flotilla's ways (a worktree of the
// host's shared mirror, made by the worker's own prepareAgentWorkspace: fresh, taken from the
// mirror's pool of finished worktrees, or sparse) against a full clone per agent, on a large
// generated repository. `node bench/workspace.ts [--agents 5] [--files 50000] [--commits 5000]`;
// the repository is cached under bench/work/.
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import type { AgentRecord, RunRecord } from "../src/store/records.ts";
import {
  type AgentWorkspace,
  prepareAgentWorkspace,
  removeAgentWorkspace,
  workspaceCheckout,
} from "../src/workspace/agent-workspace.ts";
import { mirrorPath, worktreePoolPath } from "../src/workspace/data-paths.ts";
import { syncMirror } from "../src/workspace/mirror.ts";
import { commitAll } from "../src/workspace/worktree.ts";
import { makeAgentRecord } from "../test/support/agent-record.ts";
import { clonePerAgent } from "./support/clone-per-agent.ts";
import { diskUsageBytes } from "./support/disk-usage.ts";
import { editLikeAnAgent } from "./support/finished-agent-edits.ts";
import { mebibytes, seconds } from "./support/format-units.ts";
import { timeFullRead } from "./support/full-read-profile.ts";
import { largeRepository } from "./support/large-repository.ts";
import { numberOptions } from "./support/options.ts";
import { currentCommand, median, recordResults } from "./support/results.ts";
import { timeIt } from "./support/time-it.ts";

/**
 * Writes the page cache's dirty pages to disk before a timed step: each step writes hundreds of
 * MiB, and without this the kernel's writeback of one step lands in the next step's time.
 */
async function flushDirtyPages(): Promise<void> {
  await execa("sync");
}

const values = numberOptions({ agents: 5, files: 50_000, commits: 5_000 });
const agentCount = values.agents;
const repository = await largeRepository(values.files, values.commits);
const cloneUrl = `file://${repository.path}`;

const scratch = await mkdtemp(join(tmpdir(), "flotilla-bench-workspace-"));
const dataDir = join(scratch, "data");
// A repository on disk needs no GitHub token.
const host = { dataDir, sourceOf: async () => ({ cloneUrl }) };
const run = { owner: "bench", repo: "large", cloneUrl, headFetchRef: undefined, limits: {} } as RunRecord;
// Four of the 41 top directories: about a tenth of the files.
const sparsePaths = ["src/m0", "src/m1", "src/m2", "src/m3"];
const sparseRun = { ...run, limits: { ...run.limits, sparsePaths } } as RunRecord;
const poolSize = 4;
// Every finished worktree is pooled here, whatever its size (WORKTREE_POOL_MIN_FILES 0).
const pool = { size: poolSize, minFiles: 0 };
const pooledHost = { ...host, worktreePool: pool };
const mirrorDir = mirrorPath(dataDir, run.owner, run.repo);

try {
  // Paid once per host and repository, then shared by every agent there.
  const mirror = await timeIt(() => syncMirror(mirrorDir, { cloneUrl }));
  const mirrorBytes = await diskUsageBytes([mirrorDir]);

  const worktree = { ms: [] as number[], bytes: [] as number[] };
  const clone = { ms: [] as number[], bytes: [] as number[] };
  const pooled = { ms: [] as number[], bytes: [] as number[], reused: 0 };
  const sparse = { ms: [] as number[], bytes: [] as number[] };
  let lastPooled: { workspace: AgentWorkspace; agent: AgentRecord } | undefined;
  // Round by round (fresh, clone, pooled, sparse), so that a burst of load from elsewhere on the
  // machine hits every kind alike.
  for (let index = 1; index <= agentCount; index += 1) {
    const agent = makeAgentRecord({ runId: "bench", name: `agent-${index}`, baseSha: repository.head });
    await flushDirtyPages();
    const prepared = await timeIt(() => prepareAgentWorkspace(host, run, agent));
    const fresh = prepared.value;
    worktree.ms.push(prepared.ms);
    worktree.bytes.push(await diskUsageBytes([fresh.paths.worktree, fresh.paths.gitIndex]));

    const cloneDir = join(scratch, "clones", agent.name);
    await flushDirtyPages();
    const cloned = await timeIt(() =>
      clonePerAgent(repository.path, cloneDir, agent.branch, repository.head),
    );
    clone.ms.push(cloned.ms);
    clone.bytes.push(await diskUsageBytes([cloneDir]));
    await rm(cloneDir, { recursive: true, force: true });

    // Pooled: the fresh agent works (a few files edited and added, build output left), is
    // checkpointed and finishes into the pool; the next agent of the repository starts from it.
    if (lastPooled !== undefined) await removeAgentWorkspace(lastPooled.workspace, lastPooled.agent);
    await editLikeAnAgent(mirrorDir, repository.head, fresh.paths.worktree, index);
    await commitAll(workspaceCheckout(fresh, agent), "work");
    const untouched = await inodeOfUntouchedDirectory(fresh.paths.worktree);
    await removeAgentWorkspace({ ...fresh, pool }, agent);
    const next = makeAgentRecord({ runId: "bench", name: `pooled-${index}`, baseSha: repository.head });
    await flushDirtyPages();
    const taken = await timeIt(() => prepareAgentWorkspace(pooledHost, run, next));
    if ((await inodeOfUntouchedDirectory(taken.value.paths.worktree)) === untouched) pooled.reused += 1;
    pooled.ms.push(taken.ms);
    pooled.bytes.push(await diskUsageBytes([taken.value.paths.worktree, taken.value.paths.gitIndex]));
    lastPooled = { workspace: taken.value, agent: next };

    // Sparse: `workspace: sparse:` naming about a tenth of the repository.
    const sparseAgent = makeAgentRecord({
      runId: "bench",
      name: `sparse-${index}`,
      baseSha: repository.head,
    });
    await flushDirtyPages();
    const sparsePrepared = await timeIt(() => prepareAgentWorkspace(host, sparseRun, sparseAgent));
    const sparsePlace = sparsePrepared.value.paths;
    sparse.ms.push(sparsePrepared.ms);
    sparse.bytes.push(
      await diskUsageBytes([sparsePlace.worktree, sparsePlace.gitIndex, sparsePlace.sparseGitDir]),
    );
    await removeAgentWorkspace(sparsePrepared.value, sparseAgent);
    console.log(
      `round ${index}: worktree ${seconds(worktree.ms.at(-1)!)} s, ${mebibytes(worktree.bytes.at(-1)!)} MiB;` +
        ` clone ${seconds(clone.ms.at(-1)!)} s, ${mebibytes(clone.bytes.at(-1)!)} MiB;` +
        ` pooled ${seconds(pooled.ms.at(-1)!)} s, ${mebibytes(pooled.bytes.at(-1)!)} MiB;` +
        ` sparse ${seconds(sparse.ms.at(-1)!)} s, ${mebibytes(sparse.bytes.at(-1)!)} MiB`,
    );
  }
  // What every agent start pays for the mirror even when it is up to date (not part of these
  // starts: an agent starting for the first time on a commit the mirror has does not fetch).
  const upToDateFetch = await timeIt(() => syncMirror(mirrorDir, { cloneUrl }));
  // Where a pooled start's time goes: reading back every file, which the reset must do.
  const fullReadMs =
    lastPooled === undefined
      ? undefined
      : await timeFullRead(mirrorDir, lastPooled.workspace.paths.worktree, repository.head);
  // The worker's own clean-up path, into the pool, so that it too is known to work at this size.
  if (lastPooled !== undefined)
    await removeAgentWorkspace({ ...lastPooled.workspace, pool }, lastPooled.agent);
  const poolBytes = await diskUsageBytes([worktreePoolPath(mirrorDir)]);
  const poolEntries = (await readdir(worktreePoolPath(mirrorDir))).length;

  const speedup = median(clone.ms) / median(worktree.ms);
  const diskShare = median(worktree.bytes) / median(clone.bytes);
  const pooledSpeedup = median(clone.ms) / median(pooled.ms);
  const pooledDiskShare = median(pooled.bytes) / median(clone.bytes);
  const sparseSpeedup = median(clone.ms) / median(sparse.ms);
  const sparseDiskShare = median(sparse.bytes) / median(clone.bytes);
  await recordResults({
    title: "Workspace",
    command: currentCommand(),
    figures: [
      { name: "Worktree per agent, time (median)", value: seconds(median(worktree.ms)), unit: "s" },
      {
        name: "Up-to-date mirror fetch (one sample; an agent's first start on a known commit skips it)",
        value: seconds(upToDateFetch.ms),
        unit: "s",
      },
      { name: "Clone per agent, time (median)", value: seconds(median(clone.ms)), unit: "s" },
      { name: "Clone time ÷ worktree time", value: speedup, unit: "×", target: "≥ 10×", met: speedup >= 10 },
      { name: "Worktree per agent, disk (median)", value: mebibytes(median(worktree.bytes)), unit: "MiB" },
      { name: "Clone per agent, disk (median)", value: mebibytes(median(clone.bytes)), unit: "MiB" },
      {
        name: "Worktree disk ÷ clone disk",
        value: diskShare,
        unit: "",
        target: "≤ 0.2 (1/5)",
        met: diskShare <= 0.2,
      },
      { name: "Pooled worktree per agent, time (median)", value: seconds(median(pooled.ms)), unit: "s" },
      {
        name: "Clone time ÷ pooled worktree time",
        value: pooledSpeedup,
        unit: "×",
        target: "≥ 10×",
        met: pooledSpeedup >= 10,
      },
      {
        name: "Pooled worktree per agent, disk (median)",
        value: mebibytes(median(pooled.bytes)),
        unit: "MiB",
      },
      {
        name: "Pooled worktree disk ÷ clone disk",
        value: pooledDiskShare,
        unit: "",
        target: "≤ 0.2 (1/5)",
        met: pooledDiskShare <= 0.2,
      },
      ...(fullReadMs === undefined
        ? []
        : [
            {
              name: "of which: git reading back every file of the worktree (`update-index --refresh` from an index without stat data, as the reset does; one sample)",
              value: seconds(fullReadMs),
              unit: "s",
            },
          ]),
      {
        name: `The pool when idle: ${poolEntries} finished worktrees, disk (once per host and repository)`,
        value: mebibytes(poolBytes),
        unit: "MiB",
      },
      {
        name: "Sparse worktree (a tenth) per agent, time (median)",
        value: seconds(median(sparse.ms)),
        unit: "s",
      },
      {
        name: "Clone time ÷ sparse worktree time",
        value: sparseSpeedup,
        unit: "×",
        target: "≥ 10×",
        met: sparseSpeedup >= 10,
      },
      {
        name: "Sparse worktree per agent, disk (median)",
        value: mebibytes(median(sparse.bytes)),
        unit: "MiB",
      },
      {
        name: "Sparse worktree disk ÷ clone disk",
        value: sparseDiskShare,
        unit: "",
        target: "≤ 0.2 (1/5)",
        met: sparseDiskShare <= 0.2,
      },
      {
        name: "Shared mirror, first fetch (once per host and repository)",
        value: seconds(mirror.ms),
        unit: "s",
      },
      {
        name: "Shared mirror, disk (once per host and repository)",
        value: mebibytes(mirrorBytes),
        unit: "MiB",
      },
    ],
    notes: [
      `Repository: generated with git fast-import (bench/support/large-repository.ts), ${repository.files.toLocaleString("en-US")} files (${mebibytes(repository.checkoutBytes)} MiB checked out), ${repository.commits.toLocaleString("en-US")} commits, repacked with \`git repack -a -d\`; the same bytes every run.`,
      `${agentCount} agents of each kind, made round by round (fresh worktree, clone, pooled, sparse); medians. Page cache warm (the repository was just generated or read), as on a busy worker; \`sync\` before each timed step, so that no step pays for the writeback of the one before it.`,
      "Worktree: the worker's own prepareAgentWorkspace (src/workspace/agent-workspace.ts) with no pool: prepareWorktree (`git read-tree -u --reset` into an empty directory with the worker's own index, and the agent's own `.git`) under the mirror lock, plus the agent's empty home and tmp dirs. Its disk is the worktree's checkout plus the worker's index; the mirror is shared and listed separately.",
      `Pooled worktree: the same call with WORKTREE_POOL_SIZE ${poolSize}; the previous agent edited 5 files, added 2 and left 20 untracked build files, was checkpointed and removed (into the pool). The worker resets it with a new index (every file's content compared: no stat data of the previous agent's is trusted), cleans it and checks it with one \`find\` listing (no link followed). ${pooled.reused} of ${pooled.ms.length} came from the pool (a directory no agent touched kept its inode). Its disk is a full checkout like the fresh worktree's; the pool's idle worktrees are disk the host keeps in addition, listed separately.`,
      `Sparse worktree: \`workspace: sparse: [${sparsePaths.join(", ")}]\` (${sparsePaths.length} of the 41 top directories); git's sparse checkout with the agent's own admin directory in the worker's places. Its disk is the checkout, the worker's index (which lists every file) and that admin directory.`,
      `Clone: \`git clone --no-checkout ${"file://"}<bare repo>\` then \`git checkout -b <branch> <base>\`. file:// (not a plain path) so that git sends a pack instead of hard-linking objects: the fair stand-in for an agent cloning from GitHub on another machine, minus the network (a real network clone would be slower, so this favours the baseline).`,
      "What the two share: both write the same checkout (every file of the head commit, plus an index); a clone also receives and indexes the whole pack (about the mirror's size). That pack is all a worktree can save; the checkout it pays like a clone.",
      "Disk is `du -B1` (allocated blocks, hard links counted once). Timings include git's own process starts; the machine is shared with other benchmarks, so single runs are noisy.",
    ],
  });
} finally {
  await rm(scratch, { recursive: true, force: true });
}

/** The inode of a directory no agent here edits: kept when a worktree is reused, new when checked out afresh. */
async function inodeOfUntouchedDirectory(worktree: string): Promise<number> {
  return (await stat(join(worktree, "src", "m40"))).ino;
}
