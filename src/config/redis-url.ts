// What a REDIS_URL must look like before anything connects to it: ioredis takes any string and
// keeps retrying a host that does not exist, so a typo is caught here, by its shape.

const schemes = new Set(["redis:", "rediss:", "unix:"]);

export interface SentinelAddress {
  sentinels: { host: string; port: number }[];
  masterName: string;
  username: string | undefined;
  password: string | undefined;
  db: number;
}

// redis-sentinel://[[user]:password@]host:port[,host:port…]/master-name[/db]: the sentinels to
// ask and the name of the master they watch (the password is the master's and its replicas'; the sentinels are asked without one).
// A URL parser refuses the comma-separated hosts, so this one reads it by its shape.
const sentinelPattern = /^redis-sentinel:\/\/(?:([^:@/]*):([^@/]*)@)?([^/@]+)\/([^/]+)(?:\/(\d+))?\/?$/;
const sentinelHostPattern = /^([^:,]+):(\d{1,5})$/;

/** The sentinels and master of a `redis-sentinel://` URL, or undefined for any other URL. */
export function parseSentinelUrl(value: string): SentinelAddress | undefined {
  const match = sentinelPattern.exec(value);
  if (match === null) return undefined;
  const [, username, password, hosts = "", masterName = "", db] = match;
  const sentinels = hosts.split(",").map((host) => sentinelHostPattern.exec(host));
  if (sentinels.some((host) => host === null)) return undefined;
  return {
    sentinels: sentinels.map((host) => ({ host: host?.[1] ?? "", port: Number(host?.[2]) })),
    masterName: decodeURIComponent(masterName),
    username: username === undefined || username === "" ? undefined : decodeURIComponent(username),
    password: password === undefined ? undefined : decodeURIComponent(password),
    db: db === undefined ? 0 : Number(db),
  };
}

/** Why the value cannot be a Redis address, or undefined when it can be one. */
export function redisUrlProblem(value: string): string | undefined {
  if (value.startsWith("/")) return undefined;
  if (value.startsWith("redis-sentinel:"))
    return parseSentinelUrl(value) === undefined
      ? "is not a Sentinel URL: expected redis-sentinel://[:password@]host:26379,host:26379,host:26379/master-name"
      : undefined;
  if (!URL.canParse(value))
    return "is not a Redis URL: expected redis://[:password@]host:port[/db], rediss://… (TLS), redis-sentinel://host:port,…/master-name, unix:///path/to/redis.sock or an absolute socket path";
  const url = new URL(value);
  if (!schemes.has(url.protocol))
    return `has the scheme ${url.protocol.slice(0, -1)}: expected redis://, rediss:// or unix://`;
  if (url.protocol !== "unix:" && url.hostname === "") return "names no host: expected redis://host:port";
  return undefined;
}

/** Where a Redis URL points, without its password (for logs and the start line). */
export function redisAddress(value: string): string {
  if (value.startsWith("/")) return value;
  const sentinel = parseSentinelUrl(value);
  if (sentinel !== undefined)
    return `redis-sentinel://${sentinel.sentinels.map((host) => `${host.host}:${host.port}`).join(",")}/${sentinel.masterName}`;
  const url = new URL(value);
  if (url.protocol === "unix:") return url.pathname;
  return `${url.protocol}//${url.hostname}:${url.port || "6379"}${url.pathname.length > 1 ? url.pathname : ""}`;
}
