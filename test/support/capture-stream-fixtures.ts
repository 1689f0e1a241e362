// Runs the real `claude` CLI against the ScriptedModel for a few scenarios and saves its stdout to
// test/fixtures/stream/<scenario>.jsonl, so the stream parser is tested on real lines.
// Usage: `node test/support/capture-stream-fixtures.ts [scenario ...]` (all scenarios by default).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { claudeBinaryPath, projectRoot } from "./paths.ts";
import { type ModelScript, ScriptedModel } from "./scripted-model.ts";

/** Every machine-specific temp path in a fixture is rewritten to this one, so fixtures stay stable. */
export const fixtureRoot = "/tmp/flotilla-fixture";
const fixturesDirectory = join(projectRoot, "test/fixtures/stream");

interface Scenario {
  name: string;
  /** Fixed so that the fixture's session id does not change from one capture to the next. */
  sessionId: string;
  prompt: string;
  scripts: Record<string, ModelScript>;
  extraArgs?: string[];
  extraEnv?: Record<string, string>;
}

const bigOutputCommand = "head -c 5000000 /dev/zero | tr '\\0' 'x'";

function overloadedTwiceThenAnswer(): ModelScript {
  let calls = 0;
  return () => {
    calls += 1;
    if (calls <= 2) return { httpError: { status: 529, type: "overloaded_error", message: "Overloaded" } };
    return { text: "Answered after two overloaded replies." };
  };
}

const scenarios: Scenario[] = [
  {
    name: "write-file",
    sessionId: "00000000-0000-4000-8000-00000000000a",
    prompt: "[[script:write-file]] Write HELLO.md.",
    scripts: {
      "write-file": ({ step, cwd }) =>
        step === 0
          ? {
              toolCalls: [
                { name: "Write", input: { file_path: join(cwd, "HELLO.md"), content: "# Hello\n" } },
              ],
            }
          : { text: "Wrote HELLO.md.", inputTokens: 180, outputTokens: 12 },
    },
  },
  {
    name: "multi-block",
    sessionId: "00000000-0000-4000-8000-00000000000b",
    prompt: "[[script:multi-block]] Run two commands.",
    scripts: {
      "multi-block": ({ step }) =>
        step === 0
          ? {
              text: "Running two commands.",
              toolCalls: [
                { name: "Bash", input: { command: "echo first", description: "Print first" } },
                { name: "Bash", input: { command: "echo second", description: "Print second" } },
              ],
              inputTokens: 150,
              outputTokens: 40,
            }
          : { text: "Both commands ran.", inputTokens: 260, outputTokens: 8 },
    },
  },
  {
    name: "big-output",
    sessionId: "00000000-0000-4000-8000-00000000000c",
    prompt: "[[script:big-output]] Print a lot.",
    scripts: {
      "big-output": ({ step }) =>
        step === 0
          ? { toolCalls: [{ name: "Bash", input: { command: bigOutputCommand, description: "Print 5 MB" } }] }
          : { text: "That was a lot of output." },
    },
  },
  {
    name: "api-error",
    sessionId: "00000000-0000-4000-8000-00000000000d",
    prompt: "[[script:api-error]] Anything.",
    scripts: {
      "api-error": () => ({
        httpError: {
          status: 400,
          type: "invalid_request_error",
          message: "prompt is too long: 215000 tokens > 200000 maximum",
        },
      }),
    },
  },
  {
    name: "max-turns",
    sessionId: "00000000-0000-4000-8000-00000000000e",
    prompt: "[[script:max-turns]] Keep working.",
    extraArgs: ["--max-turns", "1"],
    scripts: {
      "max-turns": () => ({
        toolCalls: [{ name: "Bash", input: { command: "echo turn", description: "Echo" } }],
      }),
    },
  },
  {
    name: "subagent",
    sessionId: "00000000-0000-4000-8000-00000000000f",
    prompt: "[[script:subagent]] Delegate counting.",
    scripts: {
      subagent: ({ step }) =>
        step === 0
          ? {
              toolCalls: [
                {
                  name: "Agent",
                  input: {
                    description: "Count tracked files",
                    prompt: "[[script:subagent-child]] Count the files in the repository.",
                    subagent_type: "general-purpose",
                  },
                },
              ],
            }
          : { text: "The sub-agent counted the files." },
      "subagent-child": ({ step }) =>
        step === 0
          ? { toolCalls: [{ name: "Bash", input: { command: "ls -a | wc -l", description: "Count files" } }] }
          : { text: "There are 3 entries.", inputTokens: 300, outputTokens: 9 },
    },
  },
  {
    name: "overloaded-retry",
    sessionId: "00000000-0000-4000-8000-000000000010",
    prompt: "[[script:overloaded-retry]] Say something.",
    extraEnv: { CLAUDE_CODE_MAX_RETRIES: "3" },
    scripts: { "overloaded-retry": overloadedTwiceThenAnswer() },
  },
];

async function capture(scenario: Scenario): Promise<void> {
  const model = new ScriptedModel();
  for (const [name, script] of Object.entries(scenario.scripts)) model.script(name, script);
  const baseUrl = await model.start();
  const root = mkdtempSync(join(tmpdir(), "flotilla-capture-"));
  const repo = join(root, "repo");
  mkdirSync(join(root, "home"));
  spawnSync("git", ["init", "-q", repo]);
  const args = [
    "-p",
    scenario.prompt,
    "--output-format",
    "stream-json",
    "--verbose",
    "--permission-mode",
    "acceptEdits",
    "--allowedTools",
    "Write,Bash,Read,Edit,Task",
    "--session-id",
    scenario.sessionId,
    ...(scenario.extraArgs ?? []),
  ];
  const child = spawn(claudeBinaryPath, args, {
    cwd: repo,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: join(root, "home"),
      CLAUDE_CONFIG_DIR: join(root, "config"),
      ANTHROPIC_BASE_URL: baseUrl,
      ANTHROPIC_API_KEY: "test",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      ...scenario.extraEnv,
    },
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  const exitCode = await new Promise<number | null>((resolve) => child.on("close", resolve));
  await model.stop();
  // The CLI also names its project folder after the cwd with every "/" turned into "-".
  const text = Buffer.concat(stdout)
    .toString("utf8")
    .replaceAll(root, fixtureRoot)
    .replaceAll(root.replaceAll("/", "-"), fixtureRoot.replaceAll("/", "-"));
  writeFileSync(join(fixturesDirectory, `${scenario.name}.jsonl`), text);
  rmSync(root, { recursive: true, force: true });
  const lines = text.split("\n").filter((line) => line !== "").length;
  console.log(`${scenario.name}: exit ${exitCode}, ${lines} lines, ${text.length} chars`);
  const errorText = Buffer.concat(stderr).toString("utf8").trim();
  if (errorText !== "") console.log(`  stderr: ${errorText.slice(0, 500)}`);
}

const wanted = process.argv.slice(2);
mkdirSync(fixturesDirectory, { recursive: true });
for (const scenario of scenarios) {
  if (wanted.length === 0 || wanted.includes(scenario.name)) await capture(scenario);
}
