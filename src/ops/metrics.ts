// Flotilla's Prometheus metrics (one registry per process, served at /metrics): queue depths,
// running and parked agents, tokens and cost, agent durations and outcomes, GitHub writes and
// throttling, and errors. Parts of Flotilla report through the methods here; the queue and the
// running agents are read when Prometheus scrapes.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ChargeEvent, TrafficEvent } from "../gateway/gateway-types.ts";
import type { UpstreamTroubleKind } from "../gateway/upstream-trouble.ts";
import type { ForkedBy } from "../process/run-command.ts";

export type ErrorSource = "agent_job" | "worker" | "reporter" | "progress" | "page" | "delivery";

/** Webhook deliveries stored and not processed yet (see queue/intake-queue.ts). */
export interface EventsBacklog {
  depth: number;
  oldestAgeMs: number;
}

export class FlotillaMetrics {
  readonly registry = new Registry();
  private queueCounts: (() => Promise<Record<string, number>>) | undefined;
  private runningAgents: (() => number) | undefined;
  private eventsBacklog: (() => Promise<EventsBacklog>) | undefined;
  private readonly githubWrites: Counter<"target" | "outcome">;
  private readonly modelTokens: Counter<"model">;
  private readonly modelCost: Counter<"model">;
  private readonly modelRequests: Counter<"endpoint" | "status">;
  private readonly modelDuration: Histogram<"endpoint">;
  private readonly modelUpstreamErrors: Counter<"kind">;
  private readonly agentDuration: Histogram<"outcome">;
  private readonly sessionKeepWait: Histogram;
  private readonly agentsEnded: Counter<"outcome">;
  private readonly errors: Counter<"source">;
  private readonly subprocesses: Counter<"program" | "forked_by">;
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
      name: "flotilla_events_depth",
      help: "Webhook deliveries stored and not yet processed (waiting, in hand, or waiting to retry)",
      registers,
      async collect() {
        const backlog = await metrics.eventsBacklog?.().catch(() => undefined);
        if (backlog !== undefined) this.set(backlog.depth);
      },
    });
    new Gauge({
      name: "flotilla_events_oldest_age_seconds",
      help: "Age of the oldest webhook delivery stored and not yet processed (0: none)",
      registers,
      async collect() {
        const backlog = await metrics.eventsBacklog?.().catch(() => undefined);
        if (backlog !== undefined) this.set(backlog.oldestAgeMs / 1000);
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
    this.modelUpstreamErrors = new Counter({
      name: "flotilla_model_upstream_errors_total",
      help: "Model calls that met trouble upstream, by kind (rate_limited, overloaded, server_error, unreachable, prompt_too_long)",
      labelNames: ["kind"],
      registers,
    });
    this.agentDuration = new Histogram({
      name: "flotilla_agent_duration_seconds",
      help: "Wall-clock time from an agent's start to its end, by outcome",
      labelNames: ["outcome"],
      buckets: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400],
      registers,
    });
    this.sessionKeepWait = new Histogram({
      name: "flotilla_session_keep_wait_seconds",
      help: "How long a new session's first model call was held until the worker had kept the session (what durability costs an agent's start)",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
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
    this.subprocesses = new Counter({
      name: "flotilla_subprocesses_started_total",
      help: "Subprocesses this process started, by program and by where they were forked (event_loop: a fork that blocked this process's event loop; command_runner: by its command runner process)",
      labelNames: ["program", "forked_by"],
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

  watchIntake(backlog: () => Promise<EventsBacklog>): void {
    this.eventsBacklog = backlog;
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

  modelUpstreamError(kind: UpstreamTroubleKind): void {
    this.modelUpstreamErrors.inc({ kind });
  }

  agentEnded(outcome: string, durationMs: number | undefined): void {
    this.agentsEnded.inc({ outcome });
    if (durationMs !== undefined && durationMs >= 0)
      this.agentDuration.observe({ outcome }, durationMs / 1000);
  }

  sessionKeepWaited(durationMs: number): void {
    this.sessionKeepWait.observe(durationMs / 1000);
  }

  error(source: ErrorSource): void {
    this.errors.inc({ source });
  }

  subprocessStarted(program: string, forkedBy: ForkedBy): void {
    this.subprocesses.inc({ program, forked_by: forkedBy });
  }
}
