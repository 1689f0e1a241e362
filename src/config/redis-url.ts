// What a REDIS_URL must look like before anything connects to it: ioredis takes any string and
// keeps retrying a host that does not exist, so a typo is caught here, by its shape.

const schemes = new Set(["redis:", "rediss:", "unix:"]);

/** Why the value cannot be a Redis address, or undefined when it can be one. */
export function redisUrlProblem(value: string): string | undefined {
  if (value.startsWith("/")) return undefined;
  if (!URL.canParse(value))
    return "is not a Redis URL: expected redis://[:password@]host:port[/db], rediss://… (TLS), unix:///path/to/redis.sock or an absolute socket path";
  const url = new URL(value);
  if (!schemes.has(url.protocol))
    return `has the scheme ${url.protocol.slice(0, -1)}: expected redis://, rediss:// or unix://`;
  if (url.protocol !== "unix:" && url.hostname === "") return "names no host: expected redis://host:port";
  return undefined;
}

/** Where a Redis URL points, without its password (for logs and the start line). */
export function redisAddress(value: string): string {
  if (value.startsWith("/")) return value;
  const url = new URL(value);
  if (url.protocol === "unix:") return url.pathname;
  return `${url.protocol}//${url.hostname}:${url.port || "6379"}${url.pathname.length > 1 ? url.pathname : ""}`;
}
