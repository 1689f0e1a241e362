// Failures a test asks for: the next matching requests get the given status, headers and body
// instead of being handled (state is not touched), like GitHub's errors and rate limits.
import type { Reply } from "./replies.ts";

export interface FaultOptions {
  /** HTTP method to match (any when absent). */
  method?: string;
  /**
   * API path to match, without `/api/v3` and query: a RegExp, or a string where `*` stands for
   * any characters within one path segment (`/repos/o/r/check-runs/*`). Any path when absent.
   */
  pathPattern?: RegExp | string;
  status: number;
  headers?: Record<string, string>;
  /** @defaultValue `{ message: "Injected failure" }` */
  body?: unknown;
  /** How many matching requests fail. @defaultValue 1 */
  times?: number;
}

interface Fault {
  method: string | undefined;
  path: RegExp | undefined;
  reply: Reply;
  remaining: number;
}

export const secondaryRateLimitMessage =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. " +
  "If you reach out to GitHub Support for help, please include the request ID FAKE:0000:0000.";

export class FaultQueue {
  private readonly faults: Fault[] = [];

  add(options: FaultOptions): void {
    this.faults.push({
      method: options.method?.toUpperCase(),
      path: toRegExp(options.pathPattern),
      reply: {
        status: options.status,
        headers: options.headers ?? {},
        body: options.body ?? {
          message: "Injected failure",
          documentation_url: "https://docs.github.com/rest",
        },
      },
      remaining: options.times ?? 1,
    });
  }

  /** The reply for this request when a fault matches it (using one of its `times`). */
  take(method: string, path: string): Reply | undefined {
    const fault = this.faults.find(
      (candidate) =>
        candidate.remaining > 0 &&
        (candidate.method === undefined || candidate.method === method) &&
        (candidate.path === undefined || candidate.path.test(path)),
    );
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    return fault.reply;
  }

  get pending(): number {
    return this.faults.reduce((sum, fault) => sum + fault.remaining, 0);
  }
}

function toRegExp(pattern: RegExp | string | undefined): RegExp | undefined {
  if (pattern === undefined || pattern instanceof RegExp) return pattern;
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^/]*");
  return new RegExp(`^${escaped}$`);
}
