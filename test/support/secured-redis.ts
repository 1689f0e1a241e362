// A redis-server of the test's own, set up as an operator runs one: a password, TLS with a
// certificate signed by a CA the test makes (so nothing trusts it unless told), AOF on and a
// chosen maxmemory-policy. Never the shared Redis on 6379: the test owns this one's lifetime.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { freePort } from "./flotilla-process.ts";
import { waitFor } from "./wait-for.ts";

export interface SecuredRedis {
  /** `rediss://:<password>@localhost:<port>` (TLS) or `redis://…` (plain), with the password. */
  url: string;
  password: string;
  /** The CA that signed the server's certificate: what NODE_EXTRA_CA_CERTS must name. */
  caFile: string;
  stop(): Promise<void>;
}

export interface SecuredRedisOptions {
  tls: boolean;
  /** @defaultValue "noeviction" */
  maxmemoryPolicy?: string;
}

export async function startSecuredRedis(options: SecuredRedisOptions): Promise<SecuredRedis> {
  const dir = await mkdtemp(join(tmpdir(), "flotilla-secured-redis-"));
  const port = await freePort();
  const password = `pw-${process.pid}-${port}`;
  const caFile = join(dir, "ca.crt");
  if (options.tls) await makeCertificates(dir);
  const tlsArgs = options.tls
    ? [
        "--port",
        "0",
        "--tls-port",
        String(port),
        "--tls-cert-file",
        join(dir, "server.crt"),
        "--tls-key-file",
        join(dir, "server.key"),
        "--tls-ca-cert-file",
        caFile,
        "--tls-auth-clients",
        "no",
      ]
    : ["--port", String(port)];
  const server = execa(
    "redis-server",
    [
      ...tlsArgs,
      "--bind",
      "127.0.0.1",
      "--requirepass",
      password,
      "--appendonly",
      "yes",
      "--save",
      "",
      "--maxmemory-policy",
      options.maxmemoryPolicy ?? "noeviction",
      "--dir",
      dir,
    ],
    { reject: false, stdin: "ignore", stdout: "ignore", stderr: "ignore" },
  );
  const cli = [
    ...(options.tls ? ["--tls", "--cacert", caFile] : []),
    "-p",
    String(port),
    "--no-auth-warning",
    "-a",
    password,
    "ping",
  ];
  await waitFor(
    async () => (await execa("redis-cli", cli, { reject: false })).stdout === "PONG" || undefined,
    {
      what: "the test's secured redis-server",
    },
  );
  const scheme = options.tls ? "rediss" : "redis";
  return {
    url: `${scheme}://:${password}@localhost:${port}`,
    password,
    caFile,
    stop: async () => {
      server.kill("SIGKILL");
      await server;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function makeCertificates(dir: string): Promise<void> {
  const run = (args: string[]) => execa("openssl", args, { cwd: dir, stdin: "ignore" });
  await run([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
    "-subj",
    "/CN=flotilla-test-ca",
  ]);
  await run([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
    "-subj",
    "/CN=localhost",
  ]);
  await writeFile(join(dir, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  await run([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.crt",
    "-days",
    "1",
    "-extfile",
    "server.ext",
  ]);
}
