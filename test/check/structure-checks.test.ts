// `npm run check` guards the structure of src/: dependency-cruiser refuses an import cycle and an
// import a folder's layer does not allow (.dependency-cruiser.cjs), knip refuses a dead export
// (knip.jsonc). Each is shown here on a small tree in a temporary folder, checked with the
// project's own configuration: clean it passes, and each planted fault fails it by its rule.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { projectRoot } from "../support/paths.ts";

/**
 * A tree every check passes, each file importing what its rule allows (main → start-flotilla.ts →
 * reporter/ → text/ and store/), each export imported.
 */
const cleanTree: Record<string, string> = {
  "package.json": JSON.stringify({ name: "structure-fixture", private: true, type: "module" }),
  "src/main.ts": 'import { startFlotilla } from "./start-flotilla.ts";\nstartFlotilla();\n',
  "src/start-flotilla.ts":
    'import { report } from "./reporter/report.ts";\nexport const startFlotilla = () => console.log(report("a"));\n',
  "src/reporter/report.ts": [
    'import { recordKey } from "../store/keys.ts";',
    'import { shout } from "../text/shout.ts";',
    "export const report = (id: string) => shout(recordKey(id));",
  ].join("\n"),
  "src/text/shout.ts": "export function shout(text: string): string {\n  return text.toUpperCase();\n}\n",
  "src/store/keys.ts": 'export function recordKey(id: string): string {\n  return "run:".concat(id);\n}\n',
};

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function treeWith(changes: Record<string, string>): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "flotilla-structure-"));
  folders.push(folder);
  for (const [path, text] of Object.entries({ ...cleanTree, ...changes })) {
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), text);
  }
  return folder;
}

/** One of the checkers of `npm run check`, run on `folder` with the project's configuration. */
function check(folder: string, tool: "depcruise" | "knip") {
  const args =
    tool === "depcruise"
      ? ["--config", join(projectRoot, ".dependency-cruiser.cjs"), "src"]
      : ["--config", join(projectRoot, "knip.jsonc"), "--no-progress"];
  return execa(join(projectRoot, "node_modules/.bin", tool), args, { cwd: folder, reject: false, all: true });
}

/** What a checker printed when it refused `folder` (the test fails if it passed it). */
async function refusalOf(folder: string, tool: "depcruise" | "knip"): Promise<string> {
  const result = await check(folder, tool);
  expect(result.exitCode, result.all).not.toBe(0);
  return result.all;
}

describe("the structure checks of npm run check", () => {
  it("pass a tree with no cycle, no layering violation and no dead export", async () => {
    const folder = await treeWith({});
    const [cruised, knipped] = await Promise.all([check(folder, "depcruise"), check(folder, "knip")]);
    expect(cruised.all).toContain("no dependency violations found");
    expect(cruised.exitCode).toBe(0);
    expect(knipped.exitCode, knipped.all).toBe(0);
  });

  it("fail on an import cycle", async () => {
    const folder = await treeWith({
      "src/text/shout.ts":
        'import { whisper } from "./whisper.ts";\nexport const shout = (t: string) => whisper(t);\n',
      "src/text/whisper.ts":
        'import { shout } from "./shout.ts";\nexport const whisper = (t: string) => shout(t);\n',
    });
    expect(await refusalOf(folder, "depcruise")).toMatch(/error no-circular: src\/text\/(shout|whisper)\.ts/);
  });

  it("fail on an import its folder's layer does not allow", async () => {
    // text/ is a leaf: it may import nothing of src/.
    const folder = await treeWith({
      "src/text/shout.ts":
        'import { recordKey } from "../store/keys.ts";\nexport const shout = (t: string) => recordKey(t).toUpperCase();\n',
    });
    expect(await refusalOf(folder, "depcruise")).toContain(
      "error layer-text: src/text/shout.ts → src/store/keys.ts",
    );
  });

  it("fail on an import a root file's rule does not allow", async () => {
    // services.ts holds the parts' types, never a role's: web/ would reach worker/ through it.
    const folder = await treeWith({
      "src/start-flotilla.ts": `${cleanTree["src/start-flotilla.ts"]}import type { Services } from "./services.ts";\nexport type { Services };\n`,
      "src/services.ts":
        'import type { Job } from "./worker/job.ts";\nexport interface Services {\n  job: Job;\n}\n',
      "src/worker/job.ts": "export interface Job {\n  id: string;\n}\n",
    });
    const refusal = await refusalOf(folder, "depcruise");
    expect(refusal).toContain("error layer-services.ts: src/services.ts → src/worker/job.ts");
    expect(refusal).toContain("x 1 dependency violations");
  });

  it("fail on a file at the root of src/ with no layering rule", async () => {
    const folder = await treeWith({
      "src/main.ts": `${cleanTree["src/main.ts"]}import { helper } from "./helper.ts";\nconsole.log(helper);\n`,
      "src/helper.ts": "export const helper = 1;\n",
    });
    expect(await refusalOf(folder, "depcruise")).toContain(
      "error unknown-root-file: src/main.ts → src/helper.ts",
    );
  });

  it("fail on a folder with no layering rule", async () => {
    const folder = await treeWith({
      "src/main.ts": 'import { helper } from "./misc/helper.ts";\nconsole.log(helper);\n',
      "src/misc/helper.ts": "export const helper = 1;\n",
    });
    expect(await refusalOf(folder, "depcruise")).toContain(
      "error unknown-folder: src/main.ts → src/misc/helper.ts",
    );
  });

  it("fail on BullMQ imported outside src/queue/", async () => {
    const folder = await treeWith({
      "src/main.ts": 'import { takeJobs } from "./worker/take-jobs.ts";\nconsole.log(takeJobs);\n',
      "src/worker/take-jobs.ts": 'import { Worker } from "bullmq";\nexport const takeJobs = Worker;\n',
    });
    await mkdir(join(folder, "node_modules"));
    await symlink(join(projectRoot, "node_modules/bullmq"), join(folder, "node_modules/bullmq"));
    expect(await refusalOf(folder, "depcruise")).toMatch(
      /error bullmq-behind-queue: src\/worker\/take-jobs\.ts → \S*node_modules\/bullmq\//,
    );
  });

  it("fail on an export nothing imports", async () => {
    const folder = await treeWith({
      "src/text/shout.ts": `${cleanTree["src/text/shout.ts"]}export const neverImported = 1;\n`,
    });
    expect(await refusalOf(folder, "knip")).toMatch(
      /Unused exports[\s\S]*neverImported\s+src\/text\/shout\.ts/,
    );
  });
});
