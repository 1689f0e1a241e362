// Workspace: what one more agent costs in time and disk, with Flotilla's way (a worktree of the
// host's shared mirror, made by the worker's own prepareAgentWorkspace) against a full clone per
// agent, on a large generated repository. `node bench/workspace.ts [--agents 5] [--files 50000]
// [--commits 5000]`; the repository is cached under bench/work/.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentRecord, RunRecord } from "../src/store/records.ts";
import {
  type AgentWorkspace,
  prepareAgentWorkspace,
  removeAgentWorkspace,
} from "../src/workspace/agent-workspace.ts";
import { mirrorPath } from "../src/workspace/data-paths.ts";
import { syncMirror } from "../src/workspace/mirror.ts";
import { makeAgentRecord } from "../test/support/agent-record.ts";
import { clonePerAgent } from "./support/clone-per-agent.ts";
import { diskUsageBytes } from "./support/disk-usage.ts";
import { mebibytes, seconds } from "./support/format-units.ts";
import { largeRepository } from "./support/large-repository.ts";
import { numberOptions } from "./support/options.ts";
import { currentCommand, median, recordResults } from "./support/results.ts";
import { timeIt } from "./support/time-it.ts";

const values = numberOptions({ agents: 5, files: 50_000, commits: 5_000 });
const agentCount = values.agents;
const repository = await largeRepository(values.files, values.commits);
const cloneUrl = `file://${repository.path}`;

const scratch = await mkdtemp(join(tmpdir(), "flotilla-bench-workspace-"));
const dataDir = join(scratch, "data");
// A repository on disk needs no GitHub token.
const host = { dataDir, sourceOf: async () => ({ cloneUrl }) };
const run = { owner: "bench", repo: "large", cloneUrl, headFetchRef: undefined } as RunRecord;
const mirrorDir = mirrorPath(dataDir, run.owner, run.repo);

try {
  // Paid once per host and repository, then shared by every agent there.
  const mirror = await timeIt(() => syncMirror(mirrorDir, { cloneUrl }));
  const mirrorBytes = await diskUsageBytes([mirrorDir]);

  const worktree = { ms: [] as number[], bytes: [] as number[] };
  const clone = { ms: [] as number[], bytes: [] as number[] };
  const made: { workspace: AgentWorkspace; agent: AgentRecord }[] = [];
  // Alternating, so that a burst of load from elsewhere on the machine hits both alike.
  for (let index = 1; index <= agentCount; index += 1) {
    const agent = makeAgentRecord({ runId: "bench", name: `agent-${index}`, baseSha: repository.head });
    const prepared = await timeIt(() => prepareAgentWorkspace(host, run, agent));
    made.push({ workspace: prepared.value, agent });
    const worktreeDir = prepared.value.paths.worktree;
    worktree.ms.push(prepared.ms);
    worktree.bytes.push(await diskUsageBytes([worktreeDir, prepared.value.paths.gitIndex]));

    const cloneDir = join(scratch, "clones", agent.name);
    const cloned = await timeIt(() =>
      clonePerAgent(repository.path, cloneDir, agent.branch, repository.head),
    );
    clone.ms.push(cloned.ms);
    clone.bytes.push(await diskUsageBytes([cloneDir]));
    console.log(
      `agent ${index}: worktree ${seconds(worktree.ms.at(-1)!)} s, ${mebibytes(worktree.bytes.at(-1)!)} MiB;` +
        ` clone ${seconds(clone.ms.at(-1)!)} s, ${mebibytes(clone.bytes.at(-1)!)} MiB`,
    );
  }
  // What every agent start pays for the mirror even when it is up to date: part of the worktree time.
  const upToDateFetch = await timeIt(() => syncMirror(mirrorDir, { cloneUrl }));
  // The worker's own clean-up path, so that it too is known to work on a repository this size.
  for (const { workspace, agent } of made) await removeAgentWorkspace(workspace, agent);

  const speedup = median(clone.ms) / median(worktree.ms);
  const diskShare = median(worktree.bytes) / median(clone.bytes);
  await recordResults({
    title: "Workspace",
    command: currentCommand(),
    figures: [
      { name: "Worktree per agent, time (median)", value: seconds(median(worktree.ms)), unit: "s" },
      {
        name: "Worktree: of which the up-to-date mirror fetch (one sample)",
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
      `${agentCount} agents of each kind, made one after another, alternating worktree and clone; medians. Page cache warm (the repository was just generated or read), as on a busy worker.`,
      "Worktree: the worker's own prepareAgentWorkspace (src/workspace/agent-workspace.ts): syncMirror (an up-to-date fetch, as every agent start does) then prepareWorktree (`git worktree add -b`) under the mirror lock, plus the agent's empty home and tmp dirs. Its disk is the worktree's checkout plus its admin dir in the mirror (`worktrees/<name>`, which holds the index); the mirror is shared and listed separately.",
      `Clone: \`git clone --no-checkout ${"file://"}<bare repo>\` then \`git checkout -b <branch> <base>\`. file:// (not a plain path) so that git sends a pack instead of hard-linking objects: the fair stand-in for an agent cloning from GitHub on another machine, minus the network (a real network clone would be slower, so this favours the baseline).`,
      "What the two share: both write the same checkout (every file of the head commit, plus an index); a clone also receives and indexes the whole pack (about the mirror's size). That pack is all a worktree can save; the checkout it pays like a clone.",
      "Disk is `du -B1` (allocated blocks, hard links counted once). Timings include git's own process starts; the machine is shared with other benchmarks, so single runs are noisy.",
    ],
  });
} finally {
  await rm(scratch, { recursive: true, force: true });
}

/** The worktree's admin dir in the mirror, as its `.git` file names it. */
