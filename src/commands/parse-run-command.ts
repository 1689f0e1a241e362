// Reads `/agents run [flags] <task>`: the flags from the command line, and the task from the
// rest of that line and every line below it, or one task per list item when the command line
// ends after its flags and the lines below hold a list.

import { inlineCode } from "../text/markdown-code.ts";
import type { AgentCommand, ParsedComment } from "./agent-command.ts";
import { commandProblem } from "./command-problem.ts";
import { FLAG_NAMES, GRAMMAR, isSwitch, LIMITS } from "./grammar.ts";
import { parseFlags } from "./parse-flags.ts";
import { splitRunLine } from "./split-run-line.ts";
import { splitTaskList } from "./split-task-list.ts";

type RunCommand = Extract<AgentCommand, { verb: "run" }>;
type TasksResult = { ok: true; tasks: string[]; fromList: boolean } | { ok: false; problem: string };

// A switch (`--stack`) takes no value: the word after it is another flag or the task.
const VALUE_FLAGS: ReadonlySet<string> = new Set(FLAG_NAMES.filter((name) => !isSwitch(name)));

/**
 * `afterVerb`: the command line after `run`; `following`: the lines below it; `line`: the whole
 * command line, quoted in problems about the command as a whole. Text is already cleaned.
 */
export function parseRunCommand(afterVerb: string, following: string, line: string): ParsedComment {
  const invalid = (problem: string, quoted = line): ParsedComment => ({
    kind: "invalid",
    error: commandProblem(problem, quoted, "run"),
  });
  const split = splitRunLine(afterVerb, VALUE_FLAGS);
  if (!split.ok) return invalid(split.problem);
  const flags = parseFlags(split.flagArgs, GRAMMAR.run.flags, {
    taskFollows: true,
    sources: split.flagSources,
  });
  if (!flags.ok) return invalid(flags.problem, flags.quoted);
  const found = readTasks(split.taskHead, following);
  if (!found.ok) return invalid(found.problem);
  const { budget, model, "max-turns": maxTurns, count, stack } = flags.values;
  if (count !== undefined && found.fromList && found.tasks.length > 1) {
    return invalid(
      `${inlineCode("--count")} starts several agents on one task, but this command lists ${found.tasks.length} tasks; drop ${inlineCode("--count")} or the list`,
    );
  }
  const command: RunCommand = { verb: "run", tasks: found.tasks };
  if (budget !== undefined) command.budgetTokens = budget;
  if (model !== undefined) command.model = model;
  if (maxTurns !== undefined) command.maxTurns = maxTurns;
  if (count !== undefined) command.count = count;
  if (stack === true) command.stack = true;
  return { kind: "command", command };
}

function readTasks(taskHead: string, following: string): TasksResult {
  const list = taskHead.trim() === "" ? splitTaskList(following) : null;
  if (!list) {
    const task = `${taskHead}\n${following}`.trim();
    if (task === "")
      return { ok: false, problem: "the task is empty: write what the agent should do after the flags" };
    return { ok: true, tasks: [task], fromList: false };
  }
  if (list.items.length > LIMITS.tasksPerCommand) {
    return {
      ok: false,
      problem: `the list has ${list.items.length} tasks, more than the ${LIMITS.tasksPerCommand} one command may start; split it over several comments`,
    };
  }
  const emptyItem = list.items.indexOf("");
  if (emptyItem !== -1) {
    return {
      ok: false,
      problem: `the task is empty in item ${emptyItem + 1} of the list; remove the item or write its task`,
    };
  }
  const tasks = list.items.map((item) =>
    [list.before, item, list.after].filter((part) => part !== "").join("\n\n"),
  );
  return { ok: true, tasks, fromList: true };
}
