// GitHub's own description of its REST API (`@octokit/openapi`, api.github.com.deref.json), cut
// down to what a request is checked against: per operation, its path template, parameters and
// JSON body schema. The full description is 70 MB and takes seconds to parse, so the cut-down
// index is built once and kept in the temp folder per package version (under 1 MB to load).
import { randomBytes } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";

interface OperationParameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  schema: Record<string, unknown>;
}

export interface Operation {
  operationId: string;
  method: string;
  /** `/repos/{owner}/{repo}/check-runs/{check_run_id}` */
  path: string;
  parameters: OperationParameter[];
  body: Record<string, unknown> | undefined;
  bodyRequired: boolean;
}

const schemaObject = z.record(z.string(), z.unknown());
const description = z.object({
  info: z.object({ version: z.string() }),
  paths: z.record(
    z.string(),
    z.record(
      z.string(),
      z.unknown().transform((value) => {
        const parsed = z
          .object({
            operationId: z.string(),
            parameters: z
              .array(
                z.object({
                  name: z.string(),
                  in: z.enum(["path", "query", "header", "cookie"]),
                  required: z.boolean().nullish(),
                  schema: schemaObject.optional(),
                }),
              )
              .optional(),
            requestBody: z
              .object({
                required: z.boolean().optional(),
                content: z.record(z.string(), z.object({ schema: schemaObject.optional() })),
              })
              .optional(),
          })
          .safeParse(value);
        return parsed.success ? parsed.data : undefined;
      }),
    ),
  ),
});

const operationList = z.array(
  z.object({
    operationId: z.string(),
    method: z.string(),
    path: z.string(),
    parameters: z.array(
      z.object({
        name: z.string(),
        in: z.enum(["path", "query", "header", "cookie"]),
        required: z.boolean(),
        schema: schemaObject,
      }),
    ),
    body: schemaObject.optional(),
    bodyRequired: z.boolean(),
  }),
);

const require = createRequire(import.meta.url);
const descriptionPath = require.resolve("@octokit/openapi/generated/api.github.com.deref.json");
const packageVersion = z
  .object({ version: z.string() })
  .parse(require("@octokit/openapi/package.json")).version;
const indexPath = join(tmpdir(), `flotilla-github-openapi-requests-${packageVersion}.json`);

let loading: Promise<Operation[]> | undefined;

/** Every operation of GitHub's REST API, loaded once per process. */
export function githubOperations(): Promise<Operation[]> {
  loading ??= loadOperations();
  return loading;
}

async function loadOperations(): Promise<Operation[]> {
  const cached = await readFile(indexPath, "utf8").catch(() => undefined);
  if (cached !== undefined) {
    const parsed = operationList.safeParse(safeJson(cached));
    if (parsed.success) return parsed.data.map((operation) => ({ ...operation, body: operation.body }));
  }
  const operations = cutDown(description.parse(JSON.parse(await readFile(descriptionPath, "utf8"))));
  // Written under another name, then renamed: processes building it at once never read half a file.
  const partial = `${indexPath}.${randomBytes(6).toString("hex")}`;
  await writeFile(partial, JSON.stringify(operations))
    .then(() => rename(partial, indexPath))
    .catch(() => undefined);
  return operations;
}

function cutDown(parsed: z.infer<typeof description>): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(parsed.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (operation === undefined) continue;
      operations.push({
        operationId: operation.operationId,
        method: method.toUpperCase(),
        path,
        parameters: (operation.parameters ?? []).map((parameter) => ({
          name: parameter.name,
          in: parameter.in,
          required: parameter.required === true,
          schema: parameter.schema ?? {},
        })),
        body: operation.requestBody?.content["application/json"]?.schema,
        bodyRequired: operation.requestBody?.required === true,
      });
    }
  }
  return operations;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface MatchedOperation {
  operation: Operation;
  /** Path parameters by their OpenAPI names, URL-decoded. */
  pathParams: Record<string, string>;
}

/**
 * The operation a request is for. Where templates overlap (`/pulls/comments` and
 * `/pulls/{pull_number}`), the one with more literal segments wins, as on GitHub. A parameter
 * that ends the template takes the rest of the path (`contents/{path}`, `branches/{branch}`).
 */
export function findOperation(
  operations: readonly Operation[],
  method: string,
  path: string,
): MatchedOperation | undefined {
  const segments = path.split("/").slice(1);
  let best: { match: MatchedOperation; literals: number } | undefined;
  for (const operation of operations) {
    if (operation.method !== method) continue;
    const template = operation.path.split("/").slice(1);
    const lastParameter = /^\{(.+)\}$/.test(template.at(-1) ?? "");
    if (template.length > segments.length || (template.length < segments.length && !lastParameter)) continue;
    const pathParams: Record<string, string> = {};
    let literals = 0;
    let matches = true;
    for (const [index, part] of template.entries()) {
      const last = index === template.length - 1;
      const segment = last ? segments.slice(index).join("/") : (segments[index] ?? "");
      const parameter = /^\{(.+)\}$/.exec(part)?.[1];
      if (parameter !== undefined && segment.length > 0 && (last || !segment.includes("/"))) {
        pathParams[parameter] = safeDecode(segment);
      } else if (part === segment) {
        literals += 1;
      } else {
        matches = false;
        break;
      }
    }
    if (matches && (best === undefined || literals > best.literals)) {
      best = { match: { operation, pathParams }, literals };
    }
  }
  return best?.match;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
