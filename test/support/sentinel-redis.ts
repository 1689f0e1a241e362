// A Redis with Sentinel on loopback, as operators run one for failover: a master and a replica
// (both with a password) watched by three `redis-server --sentinel`, all the test's own.
// `failover()` asks the sentinels to promote the replica and waits until they name it.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { freePort } from "./flotilla-process.ts";
import { waitFor } from "./wait-for.ts";

const sentinelMasterName = "flotilla-test";

export interface SentinelRedis {
  /** `redis-sentinel://:<password>@127.0.0.1:<s1>,…/flotilla-test` */
  url: string;
  /** The port of the server the sentinels call master now. */
  masterPort(): Promise<number>;
  /** Promotes the replica (SENTINEL FAILOVER) and waits until the sentinels and servers agree. */
  failover(): Promise<{ from: number; to: number }>;
  stop(): Promise<void>;
}

export async function startSentinelRedis(): Promise<SentinelRedis> {
  const dir = await mkdtemp(join(tmpdir(), "flotilla-sentinel-"));
  const password = `sentinel-pw-${process.pid}`;
  const [masterPort = 0, replicaPort = 0, ...sentinelPorts] = await distinctFreePorts(5);
  const quiet = { reject: false, stdin: "ignore", stdout: "ignore", stderr: "ignore" } as const;
  const processes: ReturnType<typeof execa<typeof quiet>>[] = [];
  const server = (port: number, extra: string[]) =>
    execa(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
        "--dbfilename",
        `dump-${port}.rdb`,
        "--requirepass",
        password,
        "--masterauth",
        password,
        "--maxmemory-policy",
        "noeviction",
        ...extra,
      ],
      quiet,
    );
  processes.push(server(masterPort, []));
  processes.push(server(replicaPort, ["--replicaof", "127.0.0.1", String(masterPort)]));
  for (const port of sentinelPorts) {
    const config = join(dir, `sentinel-${port}.conf`);
    await writeFile(
      config,
      [
        `port ${port}`,
        "bind 127.0.0.1",
        `dir ${dir}`,
        `sentinel monitor ${sentinelMasterName} 127.0.0.1 ${masterPort} 2`,
        `sentinel auth-pass ${sentinelMasterName} ${password}`,
        `sentinel down-after-milliseconds ${sentinelMasterName} 2000`,
        `sentinel failover-timeout ${sentinelMasterName} 10000`,
        "",
      ].join("\n"),
    );
    processes.push(execa("redis-server", [config, "--sentinel"], quiet));
  }
  const cli = (port: number, ...args: string[]) =>
    execa("redis-cli", ["-p", String(port), "--no-auth-warning", "-a", password, ...args], { reject: false });
  const sentinelCli = (port: number, ...args: string[]) =>
    execa("redis-cli", ["-p", String(port), ...args], { reject: false });
  const masterPortNow = async () => {
    const answer = await sentinelCli(
      sentinelPorts[0] ?? 0,
      "SENTINEL",
      "get-master-addr-by-name",
      sentinelMasterName,
    );
    return Number(answer.stdout.split("\n")[1]);
  };
  await waitFor(
    async () => {
      const replication = await cli(replicaPort ?? 0, "INFO", "replication");
      if (!replication.stdout.includes("master_link_status:up")) return undefined;
      for (const port of sentinelPorts) {
        const replicas = await sentinelCli(port, "SENTINEL", "replicas", sentinelMasterName);
        if (!replicas.stdout.includes(String(replicaPort))) return undefined;
        const sentinels = await sentinelCli(port, "SENTINEL", "sentinels", sentinelMasterName);
        if ((sentinels.stdout.match(/^runid$/gm) ?? []).length < 2) return undefined;
      }
      return true;
    },
    { what: "a master, its replica and three sentinels that know each other", timeoutMs: 60_000 },
  );
  return {
    url: `redis-sentinel://:${password}@${sentinelPorts.map((port) => `127.0.0.1:${port}`).join(",")}/${sentinelMasterName}`,
    masterPort: masterPortNow,
    failover: async () => {
      const from = await masterPortNow();
      const answer = await sentinelCli(sentinelPorts[0] ?? 0, "SENTINEL", "failover", sentinelMasterName);
      if (answer.stdout.trim() !== "OK")
        throw new Error(`SENTINEL FAILOVER answered ${answer.stdout}${answer.stderr}`);
      const to = await waitFor(
        async () => {
          const now = await masterPortNow();
          if (now === from) return undefined;
          const role = await cli(now, "ROLE");
          return role.stdout.startsWith("master") ? now : undefined;
        },
        { what: "the sentinels to name the promoted replica master", timeoutMs: 60_000 },
      );
      return { from, to };
    },
    stop: async () => {
      for (const child of processes) child.kill("SIGKILL");
      await Promise.all(processes);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
