/**
 * The counters behind /metrics, on a registry of their own (never prom-client's global one), so
 * tests and several apps in one process each get a clean set.
 *
 * Gauges that describe shared state (queue depth, lagging refs) can be read when Prometheus
 * scrapes instead of being pushed by the worker: with several replicas each one then reports the
 * current value, not the value at its own last job. Pass `sources` for that; the setters still work
 * and a source, when given, overrides them at every scrape.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Metrics } from "./types.js";

export interface MetricsSources {
  /** e.g. `() => queue.size()` */
  queueDepth?: () => number | Promise<number>;
  /** e.g. `async () => totalLagRefs(await store.list())` */
  laggingRefs?: () => number | Promise<number>;
}

/** A first sync of a large repository takes minutes; a no-op sync well under a second. */
const DURATION_BUCKETS_SECONDS = [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const DIRECTIONS = ["push", "pull", "both"] as const;
const RESULTS = ["success", "failure"] as const;

export function createMetrics(sources: MetricsSources = {}): { metrics: Metrics; registry: Registry } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const jobs = new Counter({
    name: "mirror_jobs_total",
    help: "Mirror runs finished, by direction and result.",
    labelNames: ["direction", "result"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "mirror_job_duration_seconds",
    help: "How long one mirror run took, from start to the check run being completed.",
    labelNames: ["direction"] as const,
    buckets: DURATION_BUCKETS_SECONDS,
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: "mirror_queue_depth",
    help: "Mirror jobs waiting or running.",
    registers: [registry],
    collect: fromSource(sources.queueDepth),
  });
  const laggingRefs = new Gauge({
    name: "mirror_lagging_refs",
    help: "Refs that differ between GitHub and GitLab after the last run, summed over all mirrors.",
    registers: [registry],
    collect: fromSource(sources.laggingRefs),
  });
  const webhooks = new Counter({
    name: "mirror_webhook_deliveries_total",
    help: "Webhook deliveries received, by event and what was done with them.",
    labelNames: ["event", "outcome"] as const,
    registers: [registry],
  });
  const retries = new Counter({
    name: "mirror_retries_total",
    help: "Retries of a failed step, by the reason it failed.",
    labelNames: ["reason"] as const,
    registers: [registry],
  });

  // Known label values start at 0, so rate() and alerts see the series before the first failure.
  for (const direction of DIRECTIONS) {
    for (const result of RESULTS) jobs.labels(direction, result).inc(0);
  }

  const metrics: Metrics = {
    jobFinished({ direction, result }, durationMs) {
      jobs.labels(direction, result).inc();
      if (Number.isFinite(durationMs) && durationMs >= 0) duration.labels(direction).observe(durationMs / 1000);
    },
    webhookReceived({ event, outcome }) {
      webhooks.labels(event, outcome).inc();
    },
    retried({ reason }) {
      retries.labels(reason).inc();
    },
    setQueueDepth(depth) {
      if (Number.isFinite(depth)) queueDepth.set(depth);
    },
    setLaggingRefs(count) {
      if (Number.isFinite(count)) laggingRefs.set(count);
    },
  };
  return { metrics, registry };
}

/** A source that fails (Redis down) keeps the last value: a scrape must not fail because of it. */
function fromSource(source: (() => number | Promise<number>) | undefined) {
  if (!source) return undefined;
  return async function (this: Gauge) {
    try {
      const value = await source();
      if (Number.isFinite(value)) this.set(value);
    } catch {
      // Keep the last value: a scrape must not fail. The sources read Redis (queue, status store), whose connection errors are logged.
    }
  };
}
