// A setting Flotilla cannot start with. Its message is written for the operator: the variable,
// what is wrong with its value, and how to fix it; main.ts prints it alone, without a stack.

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** One bad setting: `NAME: problem. Fix: fix` (the value itself is left to the problem to quote). */
export function settingError(variable: string, problem: string, fix: string): ConfigError {
  return new ConfigError(`${variable}: ${problem.replace(/\.+$/, "")}. Fix: ${fix}`);
}
