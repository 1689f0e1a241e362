// The result types of reading an `/agents` command out of a comment. The web handler acts on
// `command`, answers `invalid` with `formatProblemReply`, and ignores comments of kind `none`.

export type AgentCommand =
  | {
      verb: "run";
      tasks: string[];
      budgetTokens?: number;
      model?: string;
      maxTurns?: number;
      count?: number;
      /** A task list on an issue becomes a chain of pull requests (worker/stack-children.ts). */
      stack?: boolean;
    }
  | { verb: "status" }
  | { verb: "cancel"; target: string } // agent reference or "all"
  | { verb: "retry"; agent: string }
  | { verb: "continue"; agent: string; budgetTokens?: number }
  | { verb: "help" };

/**
 * Why a command cannot be run. `problem` is one markdown sentence in which any text the user
 * wrote sits inside a code span; `quoted` is the offending text as written (bounded);
 * `usage` is the markdown usage of the verb, or the whole help when the verb is unknown.
 */
export interface CommandProblem {
  problem: string;
  quoted: string;
  usage: string;
}

export type ParsedComment =
  | { kind: "none" } // no command in this comment
  | { kind: "command"; command: AgentCommand }
  | { kind: "invalid"; error: CommandProblem };
