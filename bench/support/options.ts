// Command-line options of a benchmark: `--name value` numbers with defaults, and a usage line
// when something else is given.
import { parseArgs } from "node:util";

/** Reads `--<name> <number>` for each default given; exits with usage on anything else. */
export function numberOptions<T extends Record<string, number>>(defaults: T): T {
  const usage = `usage: node ${process.argv[1]?.slice(process.argv[1].indexOf("bench/"))} ${Object.entries(
    defaults,
  )
    .map(([name, value]) => `[--${name} ${value}]`)
    .join(" ")}`;
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      options: Object.fromEntries(Object.keys(defaults).map((name) => [name, { type: "string" as const }])),
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  const parsed: Record<string, number> = { ...defaults };
  for (const [name, raw] of Object.entries(values)) {
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
      console.error(`--${name} must be a positive number, got ${String(raw)}\n${usage}`);
      process.exit(2);
    }
    parsed[name] = value;
  }
  return parsed as T;
}
