// A fresh copy of Flotilla as a user would have it after cloning: the `flotilla` script, the
// sources, app.yml, package.json and the lock file, in a temporary folder of its own (so its
// `.env` and `./data` are its own). Its node_modules is a folder of links to this checkout's
// packages, and its lock file is older than their record, so `./flotilla` never reinstalls.
import { cp, mkdir, mkdtemp, readdir, rm, symlink, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "./paths.ts";

export interface ProjectCopy {
  dir: string;
  cleanup(): Promise<void>;
}

export async function copyProject(): Promise<ProjectCopy> {
  const dir = await mkdtemp(join(tmpdir(), "flotilla-clone-"));
  for (const entry of ["flotilla", "package.json", "package-lock.json", "app.yml", ".env.example", "src"]) {
    await cp(join(projectRoot, entry), join(dir, entry), { recursive: true, preserveTimestamps: true });
  }
  const modules = join(dir, "node_modules");
  await mkdir(modules);
  for (const entry of await readdir(join(projectRoot, "node_modules"))) {
    if (entry === ".package-lock.json") continue;
    await symlink(join(projectRoot, "node_modules", entry), join(modules, entry));
  }
  await cp(join(projectRoot, "node_modules", ".package-lock.json"), join(modules, ".package-lock.json"));
  const longAgo = new Date("2020-01-01T00:00:00Z");
  await utimes(join(dir, "package-lock.json"), longAgo, longAgo);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
