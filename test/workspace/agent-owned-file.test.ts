// The worker's reads and writes in an agent's places, where anything may be a link the agent
// made: links (at the end or on the way) are refused, never followed; so are FIFOs and files
// over the cap; a file that is really there is read.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "../../src/process/run-command.ts";
import {
  AgentFileRefusedError,
  makeAgentOwnedDirectory,
  readAgentOwnedFile,
  writeNewAgentOwnedFile,
} from "../../src/workspace/agent-owned-file.ts";

let dir: string;
const workerSecret = () => join(dir, "worker", "secret.env");

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-agent-file-"));
  await mkdir(join(dir, "worker"));
  await mkdir(join(dir, "agent", "home", "projects"), { recursive: true });
  await writeFile(workerSecret(), "WORKER_SECRET=1\n");
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe("reading a file in an agent's places", () => {
  it("reads a plain file, and says there is none when there is none", async () => {
    const file = join(dir, "agent", "home", "projects", "plain.jsonl");
    await writeFile(file, "line\n");
    expect((await readAgentOwnedFile(file, 100))?.toString()).toBe("line\n");
    expect(await readAgentOwnedFile(join(dir, "agent", "missing"), 100)).toBeUndefined();
  });

  it("refuses a link to the worker's files, or to /proc/self/environ", async () => {
    for (const [name, target] of [
      ["to-secret", workerSecret()],
      ["to-environ", "/proc/self/environ"],
    ] as const) {
      const link = join(dir, "agent", "home", "projects", `${name}.jsonl`);
      await symlink(target, link);
      await expect(readAgentOwnedFile(link, 1_000_000)).rejects.toBeInstanceOf(AgentFileRefusedError);
    }
  });

  it("refuses a file reached through a linked directory", async () => {
    await symlink(join(dir, "worker"), join(dir, "agent", "home", "linked-dir"));
    await expect(
      readAgentOwnedFile(join(dir, "agent", "home", "linked-dir", "secret.env"), 100),
    ).rejects.toThrow(/leads to .*worker\/secret\.env/);
  });

  it("refuses a FIFO (without waiting for a writer) and a file over the cap", async () => {
    const fifo = join(dir, "agent", "home", "projects", "fifo.jsonl");
    await runCommand("mkfifo", [fifo]);
    await expect(readAgentOwnedFile(fifo, 100)).rejects.toThrow(/not a regular file/);
    const big = join(dir, "agent", "home", "projects", "big.jsonl");
    await writeFile(big, "x".repeat(101));
    await expect(readAgentOwnedFile(big, 100)).rejects.toThrow(/101 bytes, more than 100/);
  });
});

describe("writing a file in an agent's places", () => {
  it("creates a new file, but never through a link or over an existing file", async () => {
    const home = join(dir, "agent", "home");
    await makeAgentOwnedDirectory(home, join(home, "projects", "new-dir"));
    await writeNewAgentOwnedFile(join(home, "projects", "new-dir", "s.jsonl"), Buffer.from("saved\n"));
    expect(await readFile(join(home, "projects", "new-dir", "s.jsonl"), "utf8")).toBe("saved\n");

    await symlink(join(dir, "worker", "planted.jsonl"), join(home, "projects", "dangling.jsonl"));
    await expect(
      writeNewAgentOwnedFile(join(home, "projects", "dangling.jsonl"), Buffer.from("x")),
    ).rejects.toThrow();
    await expect(makeAgentOwnedDirectory(home, join(home, "linked-dir", "sub"))).rejects.toBeInstanceOf(
      AgentFileRefusedError,
    );
    await expect(
      writeNewAgentOwnedFile(join(home, "linked-dir", "x.jsonl"), Buffer.from("x")),
    ).rejects.toThrow(/symbolic link/);
    expect(await readFile(workerSecret(), "utf8")).toBe("WORKER_SECRET=1\n");
    await expect(readFile(join(dir, "worker", "planted.jsonl"))).rejects.toThrow(/ENOENT/);
    await expect(readFile(join(dir, "worker", "sub"))).rejects.toThrow(/ENOENT/);
  });
});
