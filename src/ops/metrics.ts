// Flotilla's Prometheus metrics (one registry per process, served at /metrics): queue depths,
// running and parked agents, tokens and cost, agent durations and outcomes, GitHub writes and
// throttling, and errors. Parts of Flotilla report through the methods here; the queue and the
// running agents are read when Prometheus scrapes.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ChargeEvent, TrafficEvent } from "../gateway/gateway-types.ts";

export type ErrorSource = "agent_job" | "worker" | "reporter" | "progress" | "page";

export class FlotillaMetrics {
  readonly registry = new Registry();
  private queueCounts: (() => Promise<Record<string, number>>) | undefined;
  private runningAgents: (() => number) | undefined;
  private readonly githubWrites: Counter<"target" | "outcome">;
  private readonly modelTokens: Counter<"model">;
  private readonly modelCost: Counter<"model">;
  private readonly modelRequests: Counter<"endpoint" | "status">;
  private readonly modelDuration: Histogram<"endpoint">;
  private readonly agentDuration: Histogram<"outcome">;
  private readonly agentsEnded: Counter<"outcome">;
  private readonly errors: Counter<"source">;
  readonly liveViewers: Gauge;

  constructor(role: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ role });
    collectDefaultMetrics({ register: this.registry });
    const metrics = this;
    new Gauge({
      name: "flotilla_queue_jobs",
      help: "Agent jobs in the queue by state (waiting-children: parked agents)",
      labelNames: ["state"],
      registers,
      async collect() {
        if (metrics.queueCounts === undefined) return;
        // A scrape during a Redis outage shows the last known depths rather than failing.
        const counts = await metrics.queueCounts().catch(() => undefined);
        for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
      },
    });
    new Gauge({
      name: "flotilla_agents_parked",
      help: "Agents parked while their sub-agents work (jobs waiting for children), across all workers",
      registers,
      async collect() {
        const counts = await metrics.queueCounts?.().catch(() => undefined);
        if (counts?.["waiting-children"] !== undefined) this.set(counts["waiting-children"]);
      },
    });
    new Gauge({
      name: "flotilla_agents_running",
      help: "Agents whose claude process runs in this process now",
      registers,
      collect() {
        if (metrics.runningAgents !== undefined) this.set(metrics.runningAgents());
      },
    });
    this.githubWrites = new Counter({
      name: "flotilla_github_writes_total",
      help: "GitHub write attempts by target and outcome (throttled: held back by Flotilla; rate_limited: GitHub said slow down)",
      labelNames: ["target", "outcome"],
      registers,
    });
    this.modelTokens = new Counter({
      name: "flotilla_model_tokens_total",
      help: "Tokens charged to agent budgets by the model gateway",
      labelNames: ["model"],
      registers,
    });
    this.modelCost = new Counter({
      name: "flotilla_model_cost_usd_total",
      help: "Model cost charged to agents, in US dollars",
      labelNames: ["model"],
      registers,
    });
    this.modelRequests = new Counter({
      name: "flotilla_model_requests_total",
      help: "Model API requests through the gateway by endpoint and status",
      labelNames: ["endpoint", "status"],
      registers,
    });
    this.modelDuration = new Histogram({
      name: "flotilla_model_request_duration_seconds",
      help: "Duration of model API requests through the gateway",
      labelNames: ["endpoint"],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.agentDuration = new Histogram({
      name: "flotilla_agent_duration_seconds",
      help: "Wall-clock time from an agent's start to its end, by outcome",
      labelNames: ["outcome"],
      buckets: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400],
      registers,
    });
    this.agentsEnded = new Counter({
      name: "flotilla_agents_ended_total",
      help: "Agents that ended, by outcome",
      labelNames: ["outcome"],
      registers,
    });
    this.errors = new Counter({
      name: "flotilla_errors_total",
      help: "Errors by the part of Flotilla that met them",
      labelNames: ["source"],
      registers,
    });
    this.liveViewers = new Gauge({
      name: "flotilla_live_viewers",
      help: "Open live tails of agent pages in this process",
      registers,
    });
  }

  watchQueue(counts: () => Promise<Record<string, number>>): void {
    this.queueCounts = counts;
  }

  watchRunningAgents(count: () => number): void {
    this.runningAgents = count;
  }

  githubWrite(outcome: string, target: string): void {
    this.githubWrites.inc({ target, outcome });
  }

  modelCharge(event: ChargeEvent): void {
    this.modelTokens.inc({ model: event.model }, event.tokens);
    this.modelCost.inc({ model: event.model }, event.costUsd);
  }

  modelTraffic(event: TrafficEvent): void {
    this.modelRequests.inc({ endpoint: event.endpoint, status: String(event.status) });
    this.modelDuration.observe({ endpoint: event.endpoint }, event.durationMs / 1000);
  }

  agentEnded(outcome: string, durationMs: number | undefined): void {
    this.agentsEnded.inc({ outcome });
    if (durationMs !== undefined && durationMs >= 0)
      this.agentDuration.observe({ outcome }, durationMs / 1000);
  }

  error(source: ErrorSource): void {
    this.errors.inc({ source });
  }
}
