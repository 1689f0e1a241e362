// One way every benchmark reports: it prints its figures and appends them, with the command
// that produced them, the date and the machine, to bench/RESULTS.md. A figure with a target
// says whether it met it; a missed target is written down, never tuned away.
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const resultsPath = fileURLToPath(new URL("../RESULTS.md", import.meta.url));

export interface Figure {
  /** What was measured, e.g. "Flotilla, webhook → check run completed (median)". */
  name: string;
  value: number | string;
  unit: string;
  /** The target in words, e.g. "≤ 1.3×"; omit for figures without one. */
  target?: string;
  /** Whether the value met the target; required when target is given. */
  met?: boolean;
}

export interface BenchmarkReport {
  /** The name for it: "Overhead", "Workspace", "Orchestrator load", "Trees", "Stream", "Webhooks". */
  title: string;
  /** The exact command that produced these figures. */
  command: string;
  figures: Figure[];
  /** How it was measured, and anything a reader needs to judge the figures. */
  notes?: string[];
}

function formatFigure(value: number | string): string {
  if (typeof value === "string") return value;
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return value.toLocaleString("en-US", { maximumFractionDigits: Math.abs(value) < 10 ? 2 : 1 });
}

function machineLine(): string {
  const model = cpus()[0]?.model.trim() ?? "unknown CPU";
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
  return `${availableParallelism()} cores (${model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average at the end ${load}`;
}

function renderReport(report: BenchmarkReport, at = new Date()): string {
  const rows = report.figures.map((figure) => {
    const verdict = figure.target === undefined ? "" : figure.met ? "met" : "**missed**";
    return `| ${figure.name} | ${formatFigure(figure.value)} ${figure.unit} | ${figure.target ?? ""} | ${verdict} |`;
  });
  return [
    `## ${report.title} — ${at.toISOString().slice(0, 16).replace("T", " ")} UTC`,
    "",
    `Command: \`${report.command}\``,
    "",
    `Machine: ${machineLine()}`,
    "",
    "| Figure | Value | Target | |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    ...(report.notes ?? []).map((note) => `- ${note}`),
    "",
  ].join("\n");
}

/**
 * Prints the report and appends it to bench/RESULTS.md (only prints with BENCH_DRY_RUN=1, for
 * trying a benchmark out at a small scale).
 */
export async function recordResults(report: BenchmarkReport): Promise<void> {
  for (const figure of report.figures) {
    if (figure.target !== undefined && figure.met === undefined) {
      throw new Error(`Figure "${figure.name}" has a target but no verdict: set met.`);
    }
  }
  const text = renderReport(report);
  console.log(`\n${text}`);
  if (process.env.BENCH_DRY_RUN === "1") return;
  const existing = await readFile(resultsPath, "utf8").catch(() => undefined);
  if (existing === undefined) {
    await writeFile(
      resultsPath,
      "# Benchmark results\n\nAppended by `npm run bench` (see bench/README.md); newest last.\n\n",
    );
  }
  await appendFile(resultsPath, `${text}\n`);
}

/** The command line that started this process, as a reader would type it. */
export function currentCommand(): string {
  const script = process.argv[1] ?? "";
  const relative = script.slice(script.indexOf("bench/"));
  return ["node", relative, ...process.argv.slice(2)].join(" ");
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0–100) of the values; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}
