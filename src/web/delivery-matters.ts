// Which verified deliveries are worth storing: those of an event some handler registered for,
// except comments that hold no `/agents` command (outside code and quotes) or were written by a
// bot. Everything else is answered at once without touching Redis, so a busy repository's
// ordinary comments cost a signature check and a JSON parse each.
import { z } from "zod";
import { parseComment } from "../commands/parse-comment.ts";
import type { HandledEvents } from "./handled-events.ts";

/** The few fields the decision reads; the rest of the payload is stored as it came. */
const payloadFields = z.object({
  action: z.string().optional(),
  comment: z
    .object({
      body: z.string().nullish(),
      user: z.object({ type: z.string().optional() }).nullish(),
    })
    .optional(),
  sender: z.object({ type: z.string().optional() }).nullish(),
});

const commentEvents = new Set(["issue_comment", "pull_request_review_comment"]);

export function deliveryMatters(handled: HandledEvents, name: string, payload: unknown): boolean {
  const fields = payloadFields.safeParse(payload);
  if (!fields.success) return false;
  const { action, comment, sender } = fields.data;
  if (!handled.has(name, action)) return false;
  if (!commentEvents.has(name)) return true;
  if (comment === undefined) return false;
  if (comment.user?.type === "Bot" || sender?.type === "Bot") return false;
  return parseComment(comment.body ?? "").kind !== "none";
}
