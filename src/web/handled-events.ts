// The webhook events an app function registers handlers for (`issue_comment.created`, or a whole
// event such as `installation`), read by running it against a recorder instead of a Probot: the
// intake stores exactly the deliveries some handler will look at, with no second list to keep.
import type { Probot } from "probot";

export interface HandledEvents {
  /** Whether a handler is registered for this event name and payload action. */
  has(name: string, action: string | undefined): boolean;
  /** The events some handler looks at, without actions (`issue_comment`): what the app subscribes to. */
  events: ReadonlySet<string>;
}

export function handledEvents(appFunction: (app: Pick<Probot, "on">) => void): HandledEvents {
  const names = new Set<string>();
  appFunction({
    on: (event) => {
      for (const name of Array.isArray(event) ? event : [event]) names.add(name);
    },
  });
  return {
    has: (name, action) => names.has(name) || (action !== undefined && names.has(`${name}.${action}`)),
    events: new Set([...names].map((name) => name.split(".")[0] ?? name)),
  };
}
