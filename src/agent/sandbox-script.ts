// The shell script that sets up an agent's mount namespace before the CLI starts in it: hidden
// directories become empty read-only tmpfs, the agent's own directories inside them are shown
// again at the same paths (so its cwd and session paths do not change), hidden files read as
// empty, some files become read-only, and then every capability is dropped for good, so nothing
// the agent runs can undo a mount. The command to run comes as the script's arguments ("$@").

export interface SandboxPaths {
  /** Directories replaced by an empty read-only tmpfs (skipped when missing). */
  hiddenDirectories: readonly string[];
  /** Directories that stay visible, at the same path, even inside a hidden directory. */
  visibleDirectories: readonly string[];
  /** Files that read as empty (/dev/null bound over them; skipped when missing). */
  hiddenFiles: readonly string[];
  /** Files that stay visible but cannot be written (skipped when missing). */
  readOnlyFiles: readonly string[];
  /** An existing empty directory the script mounts its private staging tmpfs on. */
  stagingDirectory: string;
}

export interface SandboxTools {
  mount: string;
  umount: string;
  mkdir: string;
  setpriv: string;
}

type Step = { kind: "hide"; path: string } | { kind: "show"; path: string; staged: string };

export function sandboxScript(paths: SandboxPaths, tools: SandboxTools): string {
  const q = shellQuote;
  const { mount, umount, mkdir, setpriv } = tools;
  const stage = paths.stagingDirectory;
  const hidden = unique(paths.hiddenDirectories);
  // A visible directory needs showing again only when a hidden one covers it.
  const shown = unique(paths.visibleDirectories).filter((dir) => hidden.some((hide) => isInside(dir, hide)));
  const staged = shown.map((path, index) => ({ path, staged: `${stage}/v${index}` }));
  // Outer paths first: a directory shown again may itself contain one to hide, and so on.
  const steps: Step[] = [
    ...hidden.map((path): Step => ({ kind: "hide", path })),
    ...staged.map(({ path, staged }): Step => ({ kind: "show", path, staged })),
  ].sort((a, b) => depth(a.path) - depth(b.path) || (a.kind === "hide" ? -1 : 1));

  const lines = [
    "set -eu",
    `${mount} -t tmpfs -o mode=0700,size=64k flotilla-stage ${q(stage)}`,
    ...staged.map(
      ({ path, staged }) =>
        `if [ -d ${q(path)} ]; then ${mkdir} ${q(staged)} && ${mount} --bind ${q(path)} ${q(staged)}; fi`,
    ),
    ...steps.map((step) =>
      step.kind === "hide"
        ? `if [ -d ${q(step.path)} ]; then ${mount} -t tmpfs -o mode=0755,size=64k flotilla-hidden ${q(step.path)}; fi`
        : `if [ -d ${q(step.staged)} ]; then ${mkdir} -p ${q(step.path)} && ${mount} --bind ${q(step.staged)} ${q(step.path)}; fi`,
    ),
    ...unique(paths.hiddenFiles).map(
      (file) => `if [ -f ${q(file)} ]; then ${mount} --bind /dev/null ${q(file)}; fi`,
    ),
    ...unique(paths.readOnlyFiles).map(
      (file) =>
        `if [ -f ${q(file)} ]; then ${mount} --bind ${q(file)} ${q(file)} && ${mount} -o remount,bind,ro ${q(file)}; fi`,
    ),
    ...hidden.map((path) => `if [ -d ${q(path)} ]; then ${mount} -o remount,ro ${q(path)}; fi`),
    `${umount} -l ${q(stage)}`,
    `exec ${setpriv} --no-new-privs --inh-caps=-all --ambient-caps=-all --bounding-set=-all -- "$@"`,
  ];
  return lines.join("\n");
}

/** `path` inside `directory` (not equal to it). */
function isInside(path: string, directory: string): boolean {
  return path.startsWith(directory.endsWith("/") ? directory : `${directory}/`);
}

function depth(path: string): number {
  return path.split("/").filter((part) => part !== "").length;
}

function unique(paths: readonly string[]): string[] {
  return [...new Set(paths.map((path) => path.replace(/\/+$/, "") || "/"))];
}

/** One shell word that is exactly `text`. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
