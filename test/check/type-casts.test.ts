// Data that enters Flotilla is parsed (zod) where it enters; elsewhere types come from
// `satisfies` and type guards. This counts the `as` casts left in src/ (`as const` is no cast):
// fewer than 10, each with a comment on its line or the line above saying why it is safe.
import { glob, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseSync } from "@swc/core";
import { expect, it } from "vitest";
import { projectRoot } from "../support/paths.ts";

interface Cast {
  where: string;
  text: string;
  commented: boolean;
}

/** Every `x as T` and `<T>x` in `source` (swc's TsAsExpression and TsTypeAssertion nodes). */
function castsIn(file: string, source: string): Cast[] {
  const bytes = Buffer.from(source);
  // A leading ";" makes the module's span start at byte 0 of the text, whatever swc parsed before.
  const module = parseSync(`;${bytes.toString("utf8")}`, { syntax: "typescript", target: "es2022" });
  const base = module.span.start + 1;
  const lines = bytes.toString("utf8").split("\n");
  const casts: Cast[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const { type, span } = node as { type?: unknown; span?: { start: number; end: number } };
    if ((type === "TsAsExpression" || type === "TsTypeAssertion") && span !== undefined) {
      const line = bytes
        .subarray(0, span.start - base)
        .toString("utf8")
        .split("\n").length;
      const text = bytes.subarray(span.start - base, span.end - base).toString("utf8");
      const nearby = `${lines[line - 2] ?? ""}\n${lines[line - 1] ?? ""}`;
      casts.push({ where: `${file}:${line}`, text, commented: /\/\/|\/\*/.test(nearby) });
    }
    for (const [key, value] of Object.entries(node)) if (key !== "span") visit(value);
  };
  visit(module);
  return casts;
}

it("src/ has fewer than 10 `as` casts, each commented", async () => {
  const files: string[] = [];
  for await (const file of glob("src/**/*.ts", { cwd: projectRoot })) files.push(file);
  const sources = await Promise.all(files.sort().map((file) => readFile(join(projectRoot, file), "utf8")));
  const casts = files.flatMap((file, index) => castsIn(file, sources[index] ?? ""));
  expect(casts.filter((cast) => !cast.commented).map((cast) => `${cast.where}: ${cast.text}`)).toEqual([]);
  expect(casts.length, casts.map((cast) => `${cast.where}: ${cast.text}`).join("\n")).toBeLessThan(10);
});

it("counts both kinds of cast, tells commented from bare ones, and leaves `as const` out", () => {
  const source = [
    "const sizes = [1, 2] as const;",
    "// The reply of this script is always a number.",
    "const count = reply as number;",
    'const name = <string>value; import * as path from "node:path";',
  ].join("\n");
  expect(castsIn("planted.ts", source)).toEqual([
    { where: "planted.ts:3", text: "reply as number", commented: true },
    { where: "planted.ts:4", text: "<string>value", commented: false },
  ]);
});
