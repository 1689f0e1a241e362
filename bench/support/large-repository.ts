// The Workspace benchmark's large repository: a bare repository of `files` files and `commits`
// commits, generated with `git fast-import` from seeded content (the same bytes every time) and
// cached under bench/work/, since making it takes a minute or more. A cached copy is reused only
// if its marker file says it was made by this generator with the same sizes and its branch still
// points where the marker says.
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { git } from "../../src/workspace/git.ts";
import { codeText } from "./code-text.ts";
import { seededRandom } from "./seeded-random.ts";

/** Bump when the generated content changes, so that old caches are made again. */
const generatorVersion = 1;
const markerName = "flotilla-bench.json";
const workDir = fileURLToPath(new URL("../work/", import.meta.url));

export interface LargeRepository {
  /** Path of the bare repository. */
  path: string;
  branch: string;
  head: string;
  files: number;
  commits: number;
  /** Sum of the sizes of the files at the head commit. */
  checkoutBytes: number;
}

interface Marker extends LargeRepository {
  generatorVersion: number;
}

export async function largeRepository(files: number, commits: number): Promise<LargeRepository> {
  const path = join(workDir, `large-repo-${files}-files-${commits}-commits.git`);
  const cached = await validCache(path, files, commits);
  if (cached !== undefined) return cached;
  console.log(`Generating ${path} (${files} files, ${commits} commits); cached for later runs…`);
  const building = `${path}.building`;
  await rm(building, { recursive: true, force: true });
  await mkdir(building, { recursive: true });
  await git(["init", "--quiet", "--bare", "--initial-branch=main"], { gitDir: building });
  const checkoutBytes = await fastImport(building, files, commits);
  // Packed as a hosting service keeps it (deltas found), so a clone sends a realistic pack.
  await git(["repack", "-a", "-d", "-q"], { gitDir: building, timeoutMs: 3_600_000 });
  const head = (await git(["rev-parse", "refs/heads/main"], { gitDir: building })).trim();
  const counted = await countRepository(building);
  if (counted.files !== files || counted.commits !== commits) {
    throw new Error(
      `Generated ${counted.files} files and ${counted.commits} commits, wanted ${files}/${commits}.`,
    );
  }
  const marker: Marker = { generatorVersion, path, branch: "main", head, files, commits, checkoutBytes };
  await writeFile(join(building, markerName), JSON.stringify(marker, null, 2));
  await rm(path, { recursive: true, force: true });
  await rename(building, path);
  return { ...marker, path };
}

async function validCache(
  path: string,
  files: number,
  commits: number,
): Promise<LargeRepository | undefined> {
  const text = await readFile(join(path, markerName), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const marker = JSON.parse(text) as Marker;
  if (marker.generatorVersion !== generatorVersion || marker.files !== files || marker.commits !== commits) {
    return undefined;
  }
  const head = await git(["rev-parse", "--verify", "--quiet", "refs/heads/main"], { gitDir: path }).catch(
    () => "",
  );
  if (head.trim() !== marker.head) return undefined;
  return { ...marker, path };
}

async function countRepository(path: string): Promise<{ files: number; commits: number }> {
  const commits = Number((await git(["rev-list", "--count", "main"], { gitDir: path })).trim());
  const listing = await git(["ls-tree", "-r", "--name-only", "main"], { gitDir: path });
  return { files: listing.split("\n").filter((line) => line !== "").length, commits };
}

/** Path of file number `id`: ~32 files a directory, directories two levels deep. */
function filePath(id: number): string {
  const directory = Math.floor(id / 32);
  const extension = ["ts", "js", "json", "md", "c", "h", "py", "go"][id % 8];
  return `src/m${directory % 41}/d${directory}/f${id}.${extension}`;
}

/** Version 0 is the file as added; later versions insert a changed hunk, as an edit would. */
function fileContent(id: number, version: number): string {
  const random = seededRandom(id * 7919 + 17);
  const base = codeText(random, Math.min(256_000, Math.max(64, random.logNormal(2_500, 1))));
  if (version === 0) return base;
  const edit = seededRandom(id * 104_729 + version);
  const at = base.lastIndexOf("\n", edit.int(0, base.length - 1)) + 1;
  return base.slice(0, at) + codeText(edit, edit.int(40, 600)) + base.slice(at);
}

/**
 * Streams the history into `git fast-import`: the first commit adds a fifth of the files, every
 * later one adds its share of the rest and edits three existing files. Returns the checkout size.
 */
async function fastImport(repository: string, files: number, commits: number): Promise<number> {
  const importer = execa("git", ["fast-import", "--quiet", "--done"], {
    cwd: repository,
    stdin: "pipe",
    stdout: "ignore",
    stderr: "pipe",
  });
  const input = importer.stdin;
  const write = async (text: string): Promise<void> => {
    if (!input.write(text)) await new Promise((resolve) => input.once("drain", resolve));
  };
  const initial = commits > 1 ? Math.round(files / 5) : files;
  const filesAfter = (commit: number): number =>
    commits > 1 ? initial + Math.floor(((files - initial) * commit) / (commits - 1)) : files;
  const versions = new Uint32Array(files);
  const random = seededRandom(42);
  for (let commit = 0; commit < commits; commit += 1) {
    const message = `Commit ${commit}: change things\n`;
    const parts = [
      "commit refs/heads/main\n",
      `committer Bench <bench@example.com> ${1_600_000_000 + commit * 3_600} +0000\n`,
      `data ${Buffer.byteLength(message)}\n${message}`,
    ];
    const existing = commit === 0 ? 0 : filesAfter(commit - 1);
    const edited = existing === 0 ? [] : [0, 1, 2].map(() => random.int(0, existing - 1));
    for (const id of edited) versions[id] = (versions[id] ?? 0) + 1;
    for (const id of new Set(edited)) parts.push(modify(id, versions[id] ?? 0));
    for (let id = existing; id < filesAfter(commit); id += 1) parts.push(modify(id, 0));
    await write(`${parts.join("")}\n`);
  }
  await write("done\n");
  input.end();
  const result = await importer;
  if (result.exitCode !== 0) throw new Error(`git fast-import failed: ${result.stderr}`);
  let checkoutBytes = 0;
  for (let id = 0; id < files; id += 1)
    checkoutBytes += Buffer.byteLength(fileContent(id, versions[id] ?? 0));
  return checkoutBytes;
}

function modify(id: number, version: number): string {
  const content = fileContent(id, version);
  return `M 100644 inline ${filePath(id)}\ndata ${Buffer.byteLength(content)}\n${content}\n`;
}
