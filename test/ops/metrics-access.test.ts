// Who may read /metrics on the ops listener when it listens beyond loopback (OPS_HOST=0.0.0.0,
// as the Dockerfile sets it): the host itself always; anyone else only with OPS_TOKEN as a bearer
// token, and nobody else at all when no token is set. /healthz stays open to all (orchestrators
// probe it). Real sockets: the requests from elsewhere come from this host's own non-loopback
// address, which is what the server sees as their source.
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlotillaMetrics } from "../../src/ops/metrics.ts";
import { startOpsServer } from "../../src/ops/ops-server.ts";
import { Readiness } from "../../src/ops/readiness.ts";

const opsToken = "ops-token-for-the-test-0123456789";

/** An IPv4 address of this host that is not loopback (undefined on a host with none). */
const hostAddress = Object.values(networkInterfaces())
  .flat()
  .find((address) => address !== undefined && address.family === "IPv4" && !address.internal)?.address;

type OpsServer = Awaited<ReturnType<typeof startOpsServer>>;

async function startOps(token: string | undefined): Promise<OpsServer> {
  const metrics = new FlotillaMetrics("worker");
  metrics.error("agent_job");
  return startOpsServer({ metrics, readiness: new Readiness() }, { port: 0, host: "0.0.0.0", token });
}

async function get(host: string, server: OpsServer, path: string, authorization?: string) {
  const response = await fetch(`http://${host}:${server.port}${path}`, {
    headers: authorization === undefined ? {} : { authorization },
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

const scraped = 'flotilla_errors_total{source="agent_job",role="worker"} 1';

// Without an address beyond loopback there is no "elsewhere" to ask from.
describe.runIf(hostAddress !== undefined)("/metrics on an ops listener beyond loopback", () => {
  const remote = hostAddress ?? "";

  describe("with OPS_TOKEN set", () => {
    let server: OpsServer;
    beforeAll(async () => {
      server = await startOps(opsToken);
    });
    afterAll(() => server?.stop());

    it("answers a request from elsewhere only with the token as a bearer token", async () => {
      const without = await get(remote, server, "/metrics");
      expect(without.status).toBe(401);
      expect(without.headers.get("www-authenticate")).toBe('Bearer realm="flotilla-metrics"');
      expect(without.text).toContain("OPS_TOKEN");
      expect(without.text).not.toContain("flotilla_");

      for (const wrong of [
        `Bearer ${opsToken.slice(0, -1)}x`,
        `Bearer ${opsToken}x`,
        `Basic ${Buffer.from(`x:${opsToken}`).toString("base64")}`,
        opsToken,
      ]) {
        const refused = await get(remote, server, "/metrics", wrong);
        expect(refused.status, wrong).toBe(401);
        expect(refused.text, wrong).not.toContain("flotilla_");
      }

      const withToken = await get(remote, server, "/metrics", `Bearer ${opsToken}`);
      expect(withToken.status).toBe(200);
      expect(withToken.text).toContain(scraped);
    });

    it("answers the host itself without the token, and health checks to anyone", async () => {
      const local = await get("127.0.0.1", server, "/metrics");
      expect(local.status).toBe(200);
      expect(local.text).toContain(scraped);
      expect(await get(remote, server, "/healthz")).toMatchObject({ status: 200, text: "ok\n" });
    });
  });

  describe("without OPS_TOKEN", () => {
    let server: OpsServer;
    beforeAll(async () => {
      server = await startOps(undefined);
    });
    afterAll(() => server?.stop());

    it("answers nobody from elsewhere, whatever they send, and says how to allow it", async () => {
      for (const authorization of [undefined, "Bearer ", `Bearer ${opsToken}`, "Bearer undefined"]) {
        const refused = await get(remote, server, "/metrics", authorization);
        expect(refused.status, authorization).toBe(401);
        expect(refused.text, authorization).not.toContain("flotilla_");
      }
      expect((await get(remote, server, "/metrics")).text).toContain("set OPS_TOKEN");
      expect((await get("127.0.0.1", server, "/metrics")).text).toContain(scraped);
    });
  });
});
