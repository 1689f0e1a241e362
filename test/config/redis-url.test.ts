import { describe, expect, it } from "vitest";
import { parseSentinelUrl, redisAddress, redisUrlProblem } from "../../src/config/redis-url.ts";

describe("REDIS_URL", () => {
  it("takes redis://, rediss://, unix:// and socket paths", () => {
    for (const url of [
      "redis://:pw@host:6379/2",
      "rediss://host:6380",
      "unix:///run/redis.sock",
      "/run/redis.sock",
    ])
      expect(redisUrlProblem(url)).toBeUndefined();
  });

  it("reads a Sentinel URL: the sentinels, the master's name, its password and db", () => {
    const url = "redis-sentinel://:p%40ss@10.0.0.1:26379,10.0.0.2:26380,sentinel-3:26379/mymaster/3";
    expect(redisUrlProblem(url)).toBeUndefined();
    expect(parseSentinelUrl(url)).toEqual({
      sentinels: [
        { host: "10.0.0.1", port: 26379 },
        { host: "10.0.0.2", port: 26380 },
        { host: "sentinel-3", port: 26379 },
      ],
      masterName: "mymaster",
      username: undefined,
      password: "p@ss",
      db: 3,
    });
    // Logs and the start line show where it points, never the password.
    expect(redisAddress(url)).toBe(
      "redis-sentinel://10.0.0.1:26379,10.0.0.2:26380,sentinel-3:26379/mymaster",
    );
  });

  it("says what a Sentinel URL lacks", () => {
    for (const url of [
      "redis-sentinel://10.0.0.1:26379",
      "redis-sentinel://10.0.0.1/mymaster",
      "redis-sentinel://a:1,/m",
    ])
      expect(redisUrlProblem(url)).toMatch(
        /is not a Sentinel URL: expected redis-sentinel:\/\/\[:password@\]host:26379/,
      );
  });

  it("names the schemes it takes for anything else", () => {
    expect(redisUrlProblem("http://host:6379")).toMatch(/has the scheme http: expected/);
    expect(redisUrlProblem("garbage")).toMatch(/redis-sentinel:\/\//);
  });
});
