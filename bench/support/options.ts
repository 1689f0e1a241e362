// Reads `--name value` options of a benchmark's command line, with defaults, so every benchmark
// can be scaled down the same way (`node bench/load.ts --agents 20 --seconds 20`).

export function numberOptions<Names extends string>(
  defaults: Record<Names, number>,
  argv: readonly string[] = process.argv.slice(2),
): Record<Names, number> {
  const values = { ...defaults };
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index] ?? "";
    const name = flag.replace(/^--/, "");
    if (!flag.startsWith("--") || !(name in defaults)) {
      throw new Error(
        `Unknown option ${flag}: use ${Object.keys(defaults)
          .map((key) => `--${key} N`)
          .join(", ")}.`,
      );
    }
    const value = Number(argv[index + 1]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} needs a positive number.`);
    values[name as Names] = value;
    index += 1;
  }
  return values;
}
