// Every setting is documented where users look: a row of the README's configuration table and
// a line of .env.example. A variable added to the schema without both fails here.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { flotillaVariables } from "../../src/config/env.ts";
import { projectRoot } from "../support/paths.ts";

/** Read by Probot, by main.ts before the schema, or by the setup flow. */
const otherVariables = [
  "APP_ID",
  "PRIVATE_KEY",
  "PRIVATE_KEY_PATH",
  "GHE_HOST",
  "GHE_PROTOCOL",
  "LOG_LEVEL",
  "LOG_FORMAT",
  "NODE_ENV",
  "FLOTILLA_ROLE",
  "GH_ORG",
];

describe("settings", () => {
  it("each has a row in the README's table and a line in .env.example", async () => {
    const readme = await readFile(join(projectRoot, "README.md"), "utf8");
    const configuration = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## Agent pages"));
    const tableRows = configuration.split("\n").filter((line) => line.startsWith("| `"));
    const example = await readFile(join(projectRoot, ".env.example"), "utf8");
    const missing = [...flotillaVariables, ...otherVariables].filter(
      (name) =>
        !tableRows.some((row) => row.split("|")[1]?.includes(`\`${name}\``)) ||
        !new RegExp(`^${name}=`, "m").test(example),
    );
    expect(missing).toEqual([]);
  });
});
