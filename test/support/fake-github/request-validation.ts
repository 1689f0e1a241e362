// Checks a request against GitHub's OpenAPI description: that the operation exists, that its
// path and query parameters have the declared types and values, and that its JSON body fits the
// schema (types, enums, lengths, item counts, required fields). Validators are compiled with ajv
// the first time an operation is asked for, so a test pays only for the operations it uses.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { findOperation, githubOperations, type Operation } from "./openapi-operations.ts";

export interface RequestToCheck {
  method: string;
  /** The API path without `/api/v3` and query. */
  path: string;
  query: URLSearchParams;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
}

export type ValidationResult =
  | { ok: true; operationId: string }
  | { ok: false; operationId: string | undefined; message: string };

interface Validators {
  parameters: ValidateFunction;
  body: ValidateFunction | undefined;
}

// GitHub's schemas use OpenAPI's `nullable`, descriptions, examples and formats of its own
// (`repo.nwo`, `int64`): not strict, no log lines for unknown formats.
const options = { strict: false, logger: false, allErrors: false } as const;
const bodies = new Ajv(options);
// Query strings are text: `per_page=30` must pass `type: integer`, `per_page=lots` must not.
const parameters = new Ajv({ ...options, coerceTypes: true });
// ajv-formats is CommonJS whose default export arrives wrapped under `default` in ESM.
const addFormats = ("default" in addFormatsModule
  ? addFormatsModule.default
  : addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
addFormats(bodies);
addFormats(parameters);

const compiled = new Map<string, Validators>();

function validatorsFor(operation: Operation): Validators {
  const known = compiled.get(operation.operationId);
  if (known !== undefined) return known;
  const declared = operation.parameters.filter(
    (parameter) => parameter.in === "path" || parameter.in === "query",
  );
  const validators: Validators = {
    parameters: parameters.compile({
      type: "object",
      properties: Object.fromEntries(declared.map((parameter) => [parameter.name, parameter.schema])),
      required: declared.filter((parameter) => parameter.required).map((parameter) => parameter.name),
    }),
    body: operation.body === undefined ? undefined : bodies.compile(operation.body),
  };
  compiled.set(operation.operationId, validators);
  return validators;
}

export async function validateRequest(request: RequestToCheck): Promise<ValidationResult> {
  const matched = findOperation(await githubOperations(), request.method, request.path);
  if (matched === undefined) {
    return {
      ok: false,
      operationId: undefined,
      message: `GitHub has no operation ${request.method} ${request.path}`,
    };
  }
  const { operation } = matched;
  const validators = validatorsFor(operation);
  const declaredQuery = new Set(
    operation.parameters.filter((parameter) => parameter.in === "query").map((parameter) => parameter.name),
  );
  // GitHub ignores query parameters it does not declare; only declared ones are checked.
  const values: Record<string, unknown> = { ...matched.pathParams };
  for (const [name, value] of request.query) if (declaredQuery.has(name)) values[name] = value;
  if (!validators.parameters(values)) {
    return {
      ok: false,
      operationId: operation.operationId,
      message: describe(validators.parameters.errors, values),
    };
  }
  if (validators.body === undefined) return { ok: true, operationId: operation.operationId };
  if (request.body === undefined) {
    return operation.bodyRequired
      ? {
          ok: false,
          operationId: operation.operationId,
          message: "Invalid request.\n\nA JSON body is required.",
        }
      : { ok: true, operationId: operation.operationId };
  }
  if (!validators.body(request.body)) {
    return {
      ok: false,
      operationId: operation.operationId,
      message: describe(validators.body.errors, request.body),
    };
  }
  return { ok: true, operationId: operation.operationId };
}

/** The first error in the words GitHub's validator uses. */
function describe(errors: ErrorObject[] | null | undefined, data: unknown): string {
  const error = errors?.[0];
  if (error === undefined) return "Invalid request.";
  if (error.keyword === "required") {
    return `Invalid request.\n\n"${String(error.params.missingProperty)}" wasn't supplied.`;
  }
  const where = error.instancePath.length > 0 ? error.instancePath.slice(1) : "the body";
  return `Invalid request.\n\nFor '${where}', ${preview(valueAt(data, error.instancePath))} ${error.message ?? "is not valid"}.`;
}

function valueAt(data: unknown, pointer: string): unknown {
  return pointer
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce<unknown>(
      (value, key) => (typeof value === "object" && value !== null ? Reflect.get(value, key) : undefined),
      data,
    );
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
