// The agent sandbox with the real bubblewrap: what a command inside sees of a host laid out like
// a worker's, what it can write, and that it cannot undo the sandbox; as the worker's own user
// and, as the Dockerfile runs it, as an unprivileged one (uid 65534 here, via setpriv), for which
// the old hand-made mount script turned itself off. (End-to-end with the real CLI:
// test/e2e/agent-sandbox.test.ts and test/e2e/hostile-agent.test.ts.)
import { spawnSync } from "node:child_process";
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentSandbox,
  agentSandboxView,
  type BubblewrapSandbox,
  type HostLayout,
  sandboxedCommand,
  worktreeInSandbox,
} from "../../src/agent/agent-sandbox.ts";
import { chooseAgentSandbox } from "../../src/agent/choose-agent-sandbox.ts";
import { ConfigError } from "../../src/config/config-error.ts";
import { runCommand } from "../../src/process/run-command.ts";
import { waitFor } from "../support/wait-for.ts";

const unprivileged = 65534;
const runsAsRoot = process.getuid?.() === 0;
let root: string;
let dataDir: string;
let host: HostLayout;
let sandbox: BubblewrapSandbox;
const logged: string[] = [];
const log = {
  info: (_fields: unknown, message: string) => logged.push(message),
  warn: (fields: unknown, message?: string) => logged.push(message ?? String(fields)),
} as unknown as Logger;

const own = { run: "r1", agent: "mine" };
const places = () => ({
  agentDir: join(dataDir, "agents", own.run, own.agent),
  worktree: join(dataDir, "worktrees", own.run, own.agent),
  mirrorDir: join(dataDir, "mirrors", "octo-org", "demo.git"),
  mcpConfig: join(dataDir, "worker", own.run, own.agent, "mcp-config.json"),
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "flotilla-sandbox-"));
  dataDir = join(root, "data");
  const files: Record<string, string> = {
    "data/redis/connection.json": '{"password":"redis-secret"}',
    "data/agents/r1/mine/home/own.txt": "mine\n",
    "data/agents/r1/other/home/theirs.txt": "other-agent-secret\n",
    "data/agents/r2/someone/home/theirs.txt": "other-run-secret\n",
    "data/worktrees/r1/mine/code.ts": "export {};\n",
    "data/worktrees/r1/other/code.ts": "other-worktree\n",
    "data/mirrors/octo-org/demo.git/config": "[core]\n\tbare = true\n",
    "data/mirrors/octo-org/demo.git/objects/info/packs": "\n",
    "data/mirrors/octo-org/private.git/config": "other-mirror\n",
    "data/worker/r1/mine/mcp-config.json": '{"mcpServers":{}}\n',
    "data/worker/r1/mine/transcript.jsonl": "worker-only-transcript\n",
    "home/.git-credentials": "https://x:worker-home-secret@github.com\n",
    "project/.env": "WEBHOOK_SECRET=dotenv-secret\n",
    "project/src/main.ts": "// program\n",
    "extra/hidden.txt": "operator-hidden\n",
    "extra/tools/tool.sh": "echo tool-ran\n",
    "shared-tmp/left-by-worker": "tmp-secret\n",
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, ".."), { recursive: true });
    await writeFile(join(root, path), content);
  }
  await chmod(root, 0o755);
  host = {
    dataDir,
    workerHome: join(root, "home"),
    secretFiles: [join(root, "project/.env")],
    extraHiddenPaths: [join(root, "extra")],
    programDirectories: [join(root, "project"), join(root, "extra", "tools")],
  };
  const chosen: AgentSandbox = await chooseAgentSandbox({ mode: "namespaces", production: true }, host, log);
  if (chosen.kind !== "bubblewrap") throw new Error("expected bubblewrap");
  sandbox = chosen;
});

afterAll(() => rm(root, { recursive: true, force: true }));

async function chownTree(path: string, uid: number): Promise<void> {
  await chown(path, uid, uid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) await chownTree(child, uid);
    else await chown(child, uid, uid);
  }
}

/** Runs a shell command inside the agent's sandbox as `user`; returns its output. */
async function inside(user: "worker" | "unprivileged", script: string): Promise<string> {
  const command = sandboxedCommand({ sandbox, view: agentSandboxView(host, places()) }, "/bin/sh", [
    "-c",
    script,
  ]);
  const asUser =
    user === "worker"
      ? command
      : {
          file: "setpriv",
          args: [
            `--reuid=${unprivileged}`,
            `--regid=${unprivileged}`,
            "--clear-groups",
            "--",
            command.file,
            ...command.args,
          ],
        };
  const result = await runCommand(asUser.file, asUser.args, {
    cwd: "/",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  return result.stdout + result.stderr;
}

const users = runsAsRoot ? (["worker", "unprivileged"] as const) : (["worker"] as const);

describe.each(users)("agent sandbox (bubblewrap) as the %s user", (user) => {
  // The user owns the host's files, as the Dockerfile's user owns /data.
  beforeAll(() => chownTree(root, user === "worker" ? (process.getuid?.() ?? 0) : unprivileged));

  it("is chosen here and says so", () => {
    expect(logged.some((message) => message.startsWith("agent sandbox: bubblewrap"))).toBe(true);
  });

  it("lets the agent write its own places only: home at its usual path, worktree at the same path on every host", async () => {
    const { agentDir, worktree } = places();
    const output = await inside(
      user,
      [
        `pwd; cat ${agentDir}/home/own.txt; cat code.ts; ls -A ${dataDir}/worktrees/r1`,
        `echo new > ${agentDir}/home/new-${user}.txt && echo wrote-home`,
        `echo x > made-${user}.txt && echo wrote-worktree`,
        `for target in ${root}/project/src/main.ts ${root}/project/planted.ts ${dataDir}/planted ${dataDir}/mirrors/octo-org/demo.git/config ${dataDir}/mirrors/octo-org/demo.git/.git ${dataDir}/mirrors/octo-org/demo.git/objects/planted ${dataDir}/worker/r1/mine/mcp-config.json /var/tmp/planted-${user}; do`,
        `  (echo planted >> "$target") 2>/dev/null && echo "WROTE $target"; done`,
        "echo done",
      ].join("\n"),
    );
    // Not its path on this host: a session resumed on another host (another DATA_DIR) finds
    // itself where it was, and this host's layout is none of the agent's business.
    expect(output.split("\n")[0]).toBe(worktreeInSandbox);
    expect(output).not.toContain(worktree);
    expect(output).toContain("export {};\n");
    expect(output).toContain("mine\n");
    expect(output).toContain("wrote-home");
    expect(output).toContain("wrote-worktree");
    expect(output).toContain("done");
    expect(output).not.toContain("WROTE");
    expect(await readFile(join(worktree, `made-${user}.txt`), "utf8")).toBe("x\n");
    expect(await readFile(join(root, "project/src/main.ts"), "utf8")).toBe("// program\n");
    expect(await readFile(join(dataDir, "mirrors/octo-org/demo.git/config"), "utf8")).toBe(
      "[core]\n\tbare = true\n",
    );
    expect(await readdir(join(dataDir, "mirrors/octo-org/demo.git"))).toEqual(["config", "objects"]);
  });

  it("hides Redis's files, other agents, the worker's places, the worker's home, .env, operator paths and the host's /tmp", async () => {
    const output = await inside(
      user,
      [
        `ls -A ${dataDir}/redis ${dataDir}/agents ${dataDir}/agents/r1 ${dataDir}/worktrees/r1 ${dataDir}/mirrors/octo-org 2>&1`,
        `cat ${root}/project/.env ${root}/extra/hidden.txt ${root}/home/.git-credentials ${dataDir}/worker/r1/mine/transcript.jsonl 2>&1`,
        `grep -rh secret ${root} /tmp 2>/dev/null`,
        "ls -A /tmp",
        "echo done",
      ].join("; "),
    );
    expect(output).toContain("done");
    for (const secret of [
      "redis-secret",
      "other-agent-secret",
      "other-run-secret",
      "other-worktree",
      "other-mirror",
      "dotenv-secret",
      "operator-hidden",
      "worker-home-secret",
      "worker-only-transcript",
      "tmp-secret",
    ])
      expect(output).not.toContain(secret);
    expect(output).not.toMatch(/\bother\b|\br2\b|private\.git/);
  });

  it("keeps the programs agents run from visible (read-only), even inside a hidden path", async () => {
    const output = await inside(user, `sh ${root}/extra/tools/tool.sh; ls -A ${root}/extra`);
    expect(output).toContain("tool-ran");
    expect(output).not.toContain("hidden.txt");
  });

  it("shows only the agent's own processes, and leaves it no way to undo a mount", async () => {
    const output = await inside(
      user,
      `ls /proc | grep -c '^[0-9]'; test -e /proc/${process.pid} && echo worker-visible; grep CapEff /proc/self/status; umount ${dataDir} 2>&1 || echo umount-refused; unshare --user --map-root-user --mount sh -c 'umount -l ${dataDir}; cat ${dataDir}/redis/connection.json' 2>&1 || echo nested-refused`,
    );
    expect(Number(output.split("\n")[0])).toBeLessThan(10);
    expect(output).not.toContain("worker-visible");
    expect(output).toContain("CapEff:\t0000000000000000");
    expect(output).toContain("umount-refused");
    expect(output).toContain("nested-refused");
    expect(output).not.toContain("redis-secret");
  });

  it("ends what the agent detached (env -i setsid) when its first process ends: the worker looks for no leftovers", async () => {
    const argument = `876.${process.pid}${user === "worker" ? 1 : 2}`;
    const output = await inside(
      user,
      `env -i /usr/bin/setsid /bin/sh -c 'exec sleep ${argument}' </dev/null >/dev/null 2>&1 &
until pgrep -fx 'sleep ${argument}' >/dev/null; do sleep 0.05; done; echo detached`,
    );
    expect(output).toContain("detached");
    // `inside` returns once bwrap has exited; the kernel's kills land at once, not always before.
    await waitFor(() => (spawnSync("pgrep", ["-fx", `sleep ${argument}`]).status === 1 ? true : undefined), {
      timeoutMs: 10_000,
      what: `the detached sleep ${argument} to end with the sandbox`,
    });
  });
});

describe("choosing the sandbox", () => {
  it("refuses agents in production when the sandbox is unavailable, naming the variable, why and the fix", async () => {
    const unavailable = { ...host, dataDir: join(root, "no-such-parent", "data") };
    const originalPath = process.env.PATH;
    process.env.PATH = join(root, "empty-path");
    try {
      const refused = chooseAgentSandbox({ mode: "auto", production: true }, unavailable, log);
      await expect(refused).rejects.toBeInstanceOf(ConfigError);
      await expect(refused).rejects.toThrow(
        /AGENT_SANDBOX=auto with NODE_ENV=production, but agents cannot be sandboxed here: .*bwrap.*Install bubblewrap.*set AGENT_SANDBOX=off/,
      );
      // Outside production it warns and runs without; `off` is the operator's explicit choice.
      expect((await chooseAgentSandbox({ mode: "auto", production: false }, unavailable, log)).kind).toBe(
        "off",
      );
      expect((await chooseAgentSandbox({ mode: "off", production: true }, unavailable, log)).kind).toBe(
        "off",
      );
    } finally {
      process.env.PATH = originalPath;
    }
  });
});

// The start-up probe as it runs in a container whose user is not root: every bwrap it starts
// runs as uid 65534 (a `bwrap` first on PATH that drops to that user, and notes that it did).
// The old hand-made script failed exactly there, and AGENT_SANDBOX=auto fell back to none.
describe.runIf(runsAsRoot)("a worker that is not root (as the Dockerfile's user)", () => {
  it("gets the sandbox from its start-up probe, in production", async () => {
    const probeData = join(root, "unprivileged-data");
    await mkdir(probeData);
    await chown(probeData, unprivileged, unprivileged);
    const realBwrap = spawnSync("sh", ["-c", "command -v bwrap"], { encoding: "utf8" }).stdout.trim();
    const wrapperDir = join(root, "as-unprivileged");
    const calls = join(root, "bwrap-calls");
    await mkdir(wrapperDir);
    await writeFile(calls, "");
    await chmod(calls, 0o666);
    await writeFile(
      join(wrapperDir, "bwrap"),
      [
        "#!/bin/sh",
        // The probe's files were made by this (root) process; in a container the worker and
        // its bwrap are one user, so they are handed to that user first.
        `chown -R ${unprivileged}:${unprivileged} ${JSON.stringify(probeData)}`,
        `exec setpriv --reuid=${unprivileged} --regid=${unprivileged} --clear-groups -- \\`,
        `  /bin/sh -c 'id -u >> "$0"; exec "$@"' ${JSON.stringify(calls)} ${JSON.stringify(realBwrap)} "$@"`,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const originalPath = process.env.PATH;
    process.env.PATH = `${wrapperDir}:${originalPath ?? "/usr/bin:/bin"}`;
    try {
      const unprivilegedHost = { ...host, dataDir: probeData, workerHome: "/nonexistent" };
      const chosen = await chooseAgentSandbox({ mode: "auto", production: true }, unprivilegedHost, log);
      expect(chosen.kind).toBe("bubblewrap");
    } finally {
      process.env.PATH = originalPath;
    }
    const uids = (await readFile(calls, "utf8")).split("\n").filter((line) => line !== "");
    expect(uids.length).toBeGreaterThan(0);
    expect(new Set(uids)).toEqual(new Set([String(unprivileged)]));
  });
});
