// `npm run bench [-- name ...]`: runs the benchmarks one after another, each in a process of
// its own so that one's memory and leftovers cannot colour the next one's figures. Each
// prints its figures and appends them to bench/RESULTS.md.
import { execa } from "execa";

const benchmarks = [
  "overhead",
  "mcp-startup",
  "workspace",
  "load",
  "trees",
  "stream",
  "webhooks",
  "gateway",
] as const;

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(benchmarks as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(", ")}: choose from ${benchmarks.join(", ")}.`);
  process.exit(2);
}
const chosen = requested.length > 0 ? requested : benchmarks;

let failed = 0;
for (const name of chosen) {
  console.log(`\n=== ${name} ===`);
  const result = await execa(process.execPath, [`bench/${name}.ts`], {
    stdio: "inherit",
    reject: false,
    cwd: new URL("../", import.meta.url),
  });
  if (result.exitCode !== 0) {
    failed += 1;
    console.error(`Benchmark ${name} failed (${result.exitCode ?? result.signal}).`);
  }
}
process.exit(failed === 0 ? 0 : 1);
