// The request body of creating or updating a check run, and GitHub's rules on it: a conclusion
// with `completed`, title and summary with `output`, summary/text at most 65535 bytes, at most 50
// annotations per request, at most 3 actions (label and identifier ≤ 20, description ≤ 40).
import { z } from "zod";
import { invalidRequest, type Reply, validationFailed } from "./replies.ts";

const statuses = ["queued", "in_progress", "completed", "waiting", "requested", "pending"] as const;
const conclusions = [
  "action_required",
  "cancelled",
  "failure",
  "neutral",
  "success",
  "skipped",
  "timed_out",
] as const;

export const checkRunBody = z.object({
  name: z.string().optional(),
  head_sha: z.string().optional(),
  details_url: z.string().optional(),
  external_id: z.string().optional(),
  status: z.enum(statuses).optional(),
  started_at: z.string().optional(),
  conclusion: z.enum(conclusions).optional(),
  completed_at: z.string().optional(),
  output: z
    .object({
      title: z.string().optional(),
      summary: z.string().optional(),
      text: z.string().optional(),
      annotations: z.array(z.unknown()).optional(),
      images: z.array(z.unknown()).optional(),
    })
    .optional(),
  actions: z
    .array(z.object({ label: z.string(), description: z.string(), identifier: z.string() }))
    .optional(),
});

export type CheckRunBody = z.infer<typeof checkRunBody>;

/** GitHub's byte limit on `output.summary` and `output.text`. */
const maxOutputBytes = 65_535;

const tooLong = (field: string, limit: number, unit: string) =>
  validationFailed([
    {
      resource: "CheckRun",
      code: "custom",
      field,
      message: `${field} exceeds a maximum ${unit} of ${limit}`,
    },
  ]);

/** The first rule the body breaks, as GitHub would answer it; `undefined` when it is acceptable. */
export function checkRunRuleBroken(body: CheckRunBody, mode: "create" | "update"): Reply | undefined {
  if (mode === "create" && body.name === undefined) return invalidRequest(`"name" wasn't supplied.`);
  if (mode === "create" && body.head_sha === undefined) return invalidRequest(`"head_sha" wasn't supplied.`);
  if ((body.status === "completed" || body.completed_at !== undefined) && body.conclusion === undefined) {
    return invalidRequest(`No subschema in "anyOf" matched.\n"conclusion" wasn't supplied.`);
  }
  const output = body.output;
  if (output !== undefined) {
    if (output.title === undefined) return invalidRequest(`"title" wasn't supplied.`);
    if (output.summary === undefined) return invalidRequest(`"summary" wasn't supplied.`);
    if (Buffer.byteLength(output.summary) > maxOutputBytes)
      return tooLong("summary", maxOutputBytes, "bytesize");
    if (output.text !== undefined && Buffer.byteLength(output.text) > maxOutputBytes) {
      return tooLong("text", maxOutputBytes, "bytesize");
    }
    if ((output.annotations ?? []).length > 50) return tooLong("annotations", 50, "count");
  }
  const actions = body.actions ?? [];
  if (actions.length > 3) return tooLong("actions", 3, "count");
  for (const action of actions) {
    if ([...action.label].length > 20) return tooLong("label", 20, "length");
    if ([...action.identifier].length > 20) return tooLong("identifier", 20, "length");
    if ([...action.description].length > 40) return tooLong("description", 40, "length");
  }
  return undefined;
}
