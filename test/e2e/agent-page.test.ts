// The operator's view for real: a running Flotilla process, a real `claude` agent taking slow
// steps (scripted model), and Debian's Chromium driven by playwright-core opening the agent page
// from its check run's Details link on a phone-sized screen. New activity must appear on the
// open page without a reload, escaped, and its state must follow the agent to the end. Then the
// process's /metrics, /healthz and /readyz, a worker-only process's own endpoints, and the run
// and agent ids on every log line about an agent.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import { freePort, type RunningFlotilla } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";

const slowSteps = 8;
const stepDelayMs = 1_500;
const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let world: E2eEnvironment;
let flotilla: RunningFlotilla;
let profileDir: string;
let browser: BrowserContext | undefined;

beforeAll(async () => {
  world = await createE2eEnvironment("page");
  world.model.script("slow-steps", ({ step }) =>
    step < slowSteps
      ? {
          delayMs: stepDelayMs,
          toolCalls: [
            {
              name: "Bash",
              input: { command: `echo step-${step} '<b>bold</b>'`, description: `step ${step}` },
            },
          ],
        }
      : { text: "All steps done." },
  );
  const port = await freePort();
  flotilla = await world.startFlotilla({
    port,
    extraEnv: { FLOTILLA_PUBLIC_URL: `http://127.0.0.1:${port}` },
  });
  profileDir = await mkdtemp(join(tmpdir(), "flotilla-chromium-"));
});

afterAll(async () => {
  await browser?.close();
  await world?.cleanup();
  if (profileDir !== undefined) await rm(profileDir, { recursive: true, force: true });
});

describe("the agent page in a real browser", () => {
  it("shows a running agent's new events as they happen, without a reload, on a phone", async () => {
    const { status } = await world.comment(flotilla, "/agents run [[script:slow-steps]] take slow steps");
    expect(status).toBe(200);
    const checkRun = await waitFor(
      () =>
        world.github
          .checkRuns(e2eOwner, e2eRepo)
          .find((run) => run.status === "in_progress" && run.details_url),
      { timeoutMs: 60_000, intervalMs: 200, what: "the agent's check run in progress, with a details link" },
    );
    const detailsUrl = checkRun.details_url ?? "";
    expect(detailsUrl).toMatch(
      new RegExp(`^${flotilla.url}/agents/r[0-9a-f]{12}/[\\w-]+\\?exp=\\d+&sig=[\\w-]{43}$`),
    );

    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: "/usr/bin/chromium",
      headless: true,
      args: chromiumArgs,
      viewport: { width: 390, height: 844 },
      isMobile: true,
    });
    const page = await browser.newPage();
    const response = await page.goto(detailsUrl);
    expect(response?.status()).toBe(200);
    // Browser-side code goes in as strings: the project's TypeScript has no DOM types.
    await page.evaluate("window.loadedOnce = true");
    await expect.poll(() => page.locator("[data-live]").textContent(), { timeout: 10_000 }).toBe("live");
    const itemsAtLoad = await page.locator("#events li").count();

    // Later steps arrive on the open page.
    const lastStep = `step-${slowSteps - 1}`;
    await page.getByText(lastStep, { exact: false }).first().waitFor({ timeout: 60_000 });
    expect(await page.locator("#events li").count()).toBeGreaterThan(itemsAtLoad);
    // Agent output is text, never markup.
    expect(await page.locator("#events b").count()).toBe(0);
    expect(await page.locator("#events").textContent()).toContain("<b>bold</b>");

    // The state follows the agent to its end, still without a reload.
    await expect
      .poll(() => page.locator('[data-field="state"]').textContent(), { timeout: 60_000 })
      .toBe("✅ succeeded");
    await expect.poll(() => page.locator("[data-live]").textContent(), { timeout: 10_000 }).toBe("(ended)");
    expect(await page.evaluate("window.loadedOnce")).toBe(true);
    expect(await page.evaluate('performance.getEntriesByType("navigation").length')).toBe(1);

    // Readable on a phone: nothing wider than the screen, text at a readable size.
    const layout = (await page.evaluate(`({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      fontSize: Number.parseFloat(getComputedStyle(document.body).fontSize),
    })`)) as { scrollWidth: number; innerWidth: number; fontSize: number };
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
    expect(layout.fontSize).toBeGreaterThanOrEqual(16);

    // No secret on the page.
    const html = await page.content();
    for (const secret of [world.upstreamKey, world.webhookSecret, world.privateKey.slice(40, 80)]) {
      expect(html).not.toContain(secret);
    }

    // A changed link is refused, with the reason on the page.
    const tampered = detailsUrl.replace(/sig=[\w-]{4}/, "sig=AAAA");
    const refused = await page.goto(tampered);
    expect(refused?.status()).toBe(403);
    expect(await page.textContent("body")).toContain("signature does not match");
  });

  it("serves metrics, health and readiness, and names the run and agent on every agent log line", async () => {
    // /metrics is on the ops listener, not on the public web port.
    expect((await fetch(`${flotilla.url}/metrics`)).status).toBe(404);
    const metrics = await (await fetch(`${flotilla.opsUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /flotilla_github_writes_total\{target="check",outcome="written",role="all"\} [1-9]/,
    );
    expect(metrics).toMatch(/flotilla_model_tokens_total\{model="[^"]+",role="all"\} [1-9]/);
    expect(metrics).toContain('flotilla_agents_ended_total{outcome="succeeded",role="all"} 1');
    expect(metrics).toMatch(/flotilla_queue_jobs\{state="completed",role="all"\} 1/);
    expect(await (await fetch(`${flotilla.url}/healthz`)).text()).toBe("ok\n");
    const ready = await fetch(`${flotilla.url}/readyz`);
    expect(ready.status).toBe(200);
    // The web role also tells the backlog of stored webhook deliveries (nothing left here).
    expect(await ready.json()).toEqual({
      ready: true,
      checks: { redis: "ok", worker: "ok" },
      details: { events: { depth: 0, oldestAgeSeconds: 0 } },
    });

    const lines = flotilla.logs.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
    const aboutAgents = lines.filter((line) => line.agentId !== undefined);
    expect(aboutAgents.map((line) => line.msg)).toEqual(
      expect.arrayContaining(["agent workspace ready", "agent ended"]),
    );
    expect(aboutAgents.filter((line) => typeof line.runId !== "string")).toEqual([]);
  });

  it("serves a worker-only process's endpoints on its own port", async () => {
    const metricsPort = await freePort();
    const worker = await world.startFlotilla({
      role: "worker",
      extraEnv: { OPS_PORT: String(metricsPort) },
    });
    expect(worker.logs.find((line) => line.startsWith("Flotilla "))).toContain(
      `ops http://127.0.0.1:${metricsPort}`,
    );
    const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { redis: "ok", worker: "ok" } });
    expect(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).toContain(
      'flotilla_agents_running{role="worker"} 0',
    );
    await worker.stop();
  });
});
