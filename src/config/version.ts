// Flotilla's version, from its package.json: shown on the status page, the start line and by
// the doctor, so an operator can tell which release answers.
import { readFileSync } from "node:fs";
import { z } from "zod";

const packageJson = z.object({ version: z.string() });

export const flotillaVersion: string = packageJson.parse(
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")),
).version;
