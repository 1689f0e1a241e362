// The bubblewrap (`bwrap`) arguments that build one agent's view of the host. The whole file
// system is mounted read-only; what no agent may read is covered (directories by an empty
// tmpfs, files by /dev/null); then the agent's own places are mounted again at their usual
// paths, writable or read-only. New user, PID, IPC and UTS namespaces; every capability is
// dropped and no process inside can gain one (bwrap sets no_new_privs), so nothing the agent
// runs can undo a mount. The network is shared on purpose: the gateway and Flotilla's tools
// listen on 127.0.0.1.

export interface SandboxView {
  /** Directories no agent may read: replaced by an empty tmpfs (skipped when missing). */
  hiddenDirectories: readonly string[];
  /** Files no agent may read: /dev/null is bound over them (skipped when missing). */
  hiddenFiles: readonly string[];
  /** Directories and files shown again read-only at the same path (skipped when missing). */
  readOnly: readonly string[];
  /** The agent's own places: shown again writable at the same path (must exist). */
  writable: readonly string[];
  /**
   * The agent's own places shown writable at another path (`at`, made inside a tmpfs such as
   * /tmp): its worktree, at the same path on every host (see agent-sandbox.ts).
   */
  writableElsewhere?: readonly { path: string; at: string }[];
  /** Where the command starts. */
  workingDirectory: string;
}

type Mount =
  | { kind: "hide-dir"; path: string }
  | { kind: "hide-file"; path: string }
  | { kind: "read-only"; path: string }
  | { kind: "writable"; path: string }
  | { kind: "writable-elsewhere"; path: string; source: string };

const order: Record<Mount["kind"], number> = {
  "hide-dir": 0,
  "hide-file": 1,
  "read-only": 2,
  writable: 3,
  "writable-elsewhere": 4,
};

/** bwrap's options for `view` (the command to run follows them, after `--`). */
export function bubblewrapArguments(view: SandboxView, kindOf: (path: string) => PathKind): string[] {
  const mounts: Mount[] = [
    ...unique(view.hiddenDirectories).map((path): Mount => ({ kind: "hide-dir", path })),
    ...unique(view.hiddenFiles).map((path): Mount => ({ kind: "hide-file", path })),
    ...unique(view.readOnly).map((path): Mount => ({ kind: "read-only", path })),
    ...unique(view.writable).map((path): Mount => ({ kind: "writable", path })),
    ...(view.writableElsewhere ?? []).map(
      ({ path, at }): Mount => ({ kind: "writable-elsewhere", path: at, source: path }),
    ),
  ]
    .filter((mount) => mount.path !== "/" && applies(mount, kindOf(mount.path)))
    // Outer paths first, so that a place shown inside a hidden directory (an agent's worktree in
    // the hidden data dir) and a file hidden inside a shown one (.env in the program folder)
    // both end up as meant.
    .sort((a, b) => depth(a.path) - depth(b.path) || order[a.kind] - order[b.kind]);
  return [
    "--unshare-user",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    // No user namespace of its own inside: one would let it try to unmount what covers secrets.
    "--disable-userns",
    // Everything in the sandbox dies with bwrap, and bwrap with the worker.
    "--die-with-parent",
    // No terminal of the worker's to push input into (TIOCSTI).
    "--new-session",
    "--cap-drop",
    "ALL",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    // A procfs of the agent's own PID namespace: no other process, no /proc/<worker>/environ.
    "--proc",
    "/proc",
    // A /tmp of its own: nothing another agent (or the worker) left there, nothing to leave.
    "--tmpfs",
    "/tmp",
    ...mounts.flatMap(mountArguments),
    // The covers are read-only too (after the places inside them were mounted), so that
    // nothing looks writable that is not.
    ...mounts.flatMap((mount) => (mount.kind === "hide-dir" ? ["--remount-ro", mount.path] : [])),
    "--chdir",
    view.workingDirectory,
  ];
}

function mountArguments(mount: Mount): string[] {
  if (mount.kind === "hide-dir") return ["--tmpfs", mount.path];
  if (mount.kind === "hide-file") return ["--ro-bind", "/dev/null", mount.path];
  if (mount.kind === "read-only") return ["--ro-bind", mount.path, mount.path];
  if (mount.kind === "writable-elsewhere") return ["--bind", mount.source, mount.path];
  return ["--bind", mount.path, mount.path];
}

export type PathKind = "directory" | "file" | undefined;

function applies(mount: Mount, kind: PathKind): boolean {
  if (mount.kind === "hide-dir") return kind === "directory";
  if (mount.kind === "hide-file") return kind === "file";
  // An agent's own place missing is a bug to hear about (bwrap says which), not to skip.
  return mount.kind === "writable" || mount.kind === "writable-elsewhere" || kind !== undefined;
}

function depth(path: string): number {
  return path.split("/").filter((part) => part !== "").length;
}

function unique(paths: readonly string[]): string[] {
  return [...new Set(paths.map((path) => path.replace(/\/+$/, "") || "/"))];
}
