// A repository as the worker's git sees it: a bare remote standing in for GitHub, a data dir with
// its mirror, and the checkout of any agent of run `r1` there (for tests of workspace/ and of
// what the worker does with it).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { syncMirror } from "../../src/workspace/mirror.ts";
import type { WorktreeSpec } from "../../src/workspace/worktree.ts";
import { type BareRemote, createBareRemote } from "./git-fixtures.ts";

export interface MirrorFixture {
  remote: BareRemote;
  dataDir: string;
  mirrorDir: string;
  /** The remote's `main`, where every agent's branch starts. */
  baseSha: string;
  /** The checkout of agent `name` of run `r1`, from `baseSha`. */
  spec(name: string): WorktreeSpec;
}

/**
 * The test file's mirror of a remote whose `main` holds `README.md` and `shared.txt`: made before
 * its first test, removed after its last. Call it at the top of a test file.
 */
export function useMirrorFixture(dataDirPrefix: string): MirrorFixture {
  const fixture = {} as MirrorFixture;
  beforeAll(async () => {
    fixture.remote = await createBareRemote({
      files: { "README.md": "# base\n", "shared.txt": "original\n" },
    });
    fixture.dataDir = await mkdtemp(join(tmpdir(), dataDirPrefix));
    fixture.mirrorDir = join(fixture.dataDir, "mirrors", "o", "r.git");
    await syncMirror(fixture.mirrorDir, { cloneUrl: fixture.remote.cloneUrl });
    fixture.baseSha = await fixture.remote.headSha("main");
    fixture.spec = (name) => ({
      mirrorDir: fixture.mirrorDir,
      worktreeDir: join(fixture.dataDir, "worktrees", "r1", name),
      indexFile: join(fixture.dataDir, "worker", "r1", name, "index"),
      branch: `agents/r1/${name}`,
      baseSha: fixture.baseSha,
    });
  });
  afterAll(async () => {
    if (fixture.dataDir !== undefined) await rm(fixture.dataDir, { recursive: true, force: true });
    await fixture.remote?.cleanup();
  });
  return fixture;
}
