// The agent sandbox with the real util-linux tools: what a command inside sees of a data dir laid
// out like a worker's, and that it cannot undo the sandbox. (The end-to-end test with the real
// CLI is test/e2e/agent-sandbox.test.ts.)
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AgentSandbox,
  agentSandboxPaths,
  type NamespaceSandbox,
  sandboxedCommand,
} from "../../src/agent/agent-sandbox.ts";
import { chooseAgentSandbox } from "../../src/agent/choose-agent-sandbox.ts";
import { runCommand } from "../../src/process/run-command.ts";

let dataDir: string;
let sandbox: NamespaceSandbox;
const logged: string[] = [];
const log = {
  info: (_fields: unknown, message: string) => logged.push(message),
  warn: (_fields: unknown, message?: string) => logged.push(message ?? String(_fields)),
} as unknown as Logger;

const own = { run: "r1", agent: "mine" };
const paths = () => ({
  agentDir: join(dataDir, "agents", own.run, own.agent),
  worktree: join(dataDir, "worktrees", own.run, own.agent),
  mirrorDir: join(dataDir, "mirrors", "octo-org", "demo.git"),
});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "flotilla-sandbox-"));
  const files: Record<string, string> = {
    "redis/connection.json": '{"password":"redis-secret"}',
    "agents/r1/mine/home/own.txt": "mine\n",
    "agents/r1/other/home/theirs.txt": "other-agent-secret\n",
    "agents/r2/someone/home/theirs.txt": "other-run-secret\n",
    "worktrees/r1/mine/code.ts": "export {};\n",
    "worktrees/r1/other/code.ts": "other-worktree\n",
    "mirrors/octo-org/demo.git/config": "[core]\n\tbare = true\n",
    "mirrors/octo-org/private.git/config": "other-mirror\n",
    "project/.env": "WEBHOOK_SECRET=dotenv-secret\n",
    "extra/hidden.txt": "operator-hidden\n",
    "extra/tools/tool.sh": "echo tool-ran\n",
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dataDir, path, ".."), { recursive: true });
    await writeFile(join(dataDir, path), content);
  }
  const chosen: AgentSandbox = await chooseAgentSandbox(
    "namespaces",
    {
      dataDir,
      secretFiles: [join(dataDir, "project/.env")],
      extraHiddenPaths: [join(dataDir, "extra")],
      programDirectories: [join(dataDir, "extra", "tools")],
    },
    log,
  );
  if (chosen.kind !== "namespaces") throw new Error("expected namespaces");
  sandbox = chosen;
});

afterAll(() => rm(dataDir, { recursive: true, force: true }));

/** Runs a shell command inside the agent's sandbox; returns its output. */
async function inside(script: string): Promise<string> {
  const command = sandboxedCommand(sandbox, agentSandboxPaths(sandbox.host, paths()), "/bin/sh", [
    "-c",
    script,
  ]);
  const result = await runCommand(command.file, command.args, {
    cwd: paths().worktree,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  return result.stdout + result.stderr;
}

describe("agent sandbox (user, PID and mount namespaces)", () => {
  it("is chosen here and says so", () => {
    expect(logged.some((message) => message.startsWith("agent sandbox: namespaces"))).toBe(true);
  });

  it("shows the agent its own folders at the same paths, writable", async () => {
    const output = await inside(
      `pwd; cat ${paths().agentDir}/home/own.txt; echo new > ${paths().agentDir}/home/new.txt && echo wrote-home; echo x > made.txt && echo wrote-worktree`,
    );
    expect(output).toContain(paths().worktree);
    expect(output).toContain("mine\n");
    expect(output).toContain("wrote-home");
    expect(output).toContain("wrote-worktree");
    expect(await readFile(join(paths().worktree, "made.txt"), "utf8")).toBe("x\n");
  });

  it("hides Redis's files, other agents, other worktrees, other mirrors, .env and operator paths", async () => {
    const output = await inside(
      [
        `ls -A ${dataDir}/redis ${dataDir}/agents ${dataDir}/agents/r1 ${dataDir}/worktrees/r1 ${dataDir}/mirrors/octo-org`,
        `cat ${dataDir}/project/.env ${dataDir}/extra/hidden.txt 2>&1`,
        `grep -rh secret ${dataDir} 2>/dev/null`,
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
    ])
      expect(output).not.toContain(secret);
    expect(output).not.toMatch(/\bother\b|\br2\b|private\.git/);
  });

  it("keeps the programs agents run from visible, even inside a hidden path", async () => {
    const output = await inside(`sh ${dataDir}/extra/tools/tool.sh; ls -A ${dataDir}/extra`);
    expect(output).toContain("tool-ran");
    expect(output).not.toContain("hidden.txt");
  });

  it("lets the agent write the mirror's objects but not its config", async () => {
    const mirror = paths().mirrorDir;
    const output = await inside(
      `echo '[url "https://evil.example/"]' >> ${mirror}/config 2>&1 || echo config-refused; touch ${mirror}/objects-ok && echo objects-written`,
    );
    expect(output).toContain("config-refused");
    expect(output).toContain("objects-written");
    expect(await readFile(join(mirror, "config"), "utf8")).toBe("[core]\n\tbare = true\n");
  });

  it("shows only the agent's own processes, and leaves it no capability to undo a mount", async () => {
    const output = await inside(
      `ls /proc | grep -c '^[0-9]'; test -e /proc/${process.pid} && echo worker-visible; grep CapEff /proc/self/status; umount ${dataDir}/redis 2>&1 || echo umount-refused; unshare --user --map-root-user --mount sh -c 'umount -l ${dataDir}/redis; cat ${dataDir}/redis/connection.json' 2>&1; echo nested-done`,
    );
    expect(Number(output.split("\n")[0])).toBeLessThan(10);
    expect(output).not.toContain("worker-visible");
    expect(output).toContain("CapEff:\t0000000000000000");
    expect(output).toContain("umount-refused");
    expect(output).toContain("nested-done");
    expect(output).not.toContain("redis-secret");
  });
});
