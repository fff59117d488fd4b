import { createMetrics } from "../../../src/status/metrics.js";

describe("createMetrics", () => {
  it("exposes every named series and Node's default metrics", async () => {
    const { registry } = createMetrics();
    const text = await registry.metrics();
    for (const [name, type] of [
      ["mirror_jobs_total", "counter"],
      ["mirror_job_duration_seconds", "histogram"],
      ["mirror_queue_depth", "gauge"],
      ["mirror_lagging_refs", "gauge"],
      ["mirror_webhook_deliveries_total", "counter"],
      ["mirror_retries_total", "counter"],
      ["process_cpu_user_seconds_total", "counter"],
      ["nodejs_heap_size_used_bytes", "gauge"],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
    }
  });

  it("starts job counters at 0 for every direction and result, so alerts see them before the first failure", async () => {
    const text = await createMetrics().registry.metrics();
    expect(text).toContain('mirror_jobs_total{direction="push",result="failure"} 0');
    expect(text).toContain('mirror_jobs_total{direction="both",result="success"} 0');
  });

  it("counts what the worker and handlers report", async () => {
    const { metrics, registry } = createMetrics();
    metrics.jobFinished({ direction: "push", result: "failure" }, 2500);
    metrics.jobFinished({ direction: "push", result: "success" }, 500);
    metrics.jobFinished({ direction: "push", result: "success" }, Number.NaN); // counted, not timed
    metrics.webhookReceived({ event: "push", outcome: "queued" });
    metrics.webhookReceived({ event: "push", outcome: "queued" });
    metrics.retried({ reason: "transient" });
    metrics.setQueueDepth(3);
    metrics.setLaggingRefs(7);
    const text = await registry.metrics();
    expect(text).toContain('mirror_jobs_total{direction="push",result="failure"} 1');
    expect(text).toContain('mirror_jobs_total{direction="push",result="success"} 2');
    expect(text).toContain('mirror_job_duration_seconds_count{direction="push"} 2');
    expect(text).toContain('mirror_job_duration_seconds_sum{direction="push"} 3');
    expect(text).toContain('mirror_job_duration_seconds_bucket{le="2.5",direction="push"} 2');
    expect(text).toContain('mirror_webhook_deliveries_total{event="push",outcome="queued"} 2');
    expect(text).toContain('mirror_retries_total{reason="transient"} 1');
    expect(text).toContain("mirror_queue_depth 3\n");
    expect(text).toContain("mirror_lagging_refs 7\n");
  });

  it("gives each call its own registry: several apps (or tests) in one process do not share counts", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.metrics.retried({ reason: "transient" });
    expect(await a.registry.metrics()).toContain('mirror_retries_total{reason="transient"} 1');
    expect(await b.registry.metrics()).not.toContain('mirror_retries_total{reason="transient"}');
  });

  it("reads gauges from their sources at scrape time, keeping the last value when a source fails", async () => {
    let depth = 2;
    let failing = false;
    const { registry } = createMetrics({
      queueDepth: () => depth,
      laggingRefs: async () => {
        if (failing) throw new Error("redis is down");
        return 4;
      },
    });
    expect(await registry.metrics()).toMatch(/mirror_queue_depth 2\n[\s\S]*mirror_lagging_refs 4\n/);
    depth = 5;
    failing = true;
    expect(await registry.metrics()).toMatch(/mirror_queue_depth 5\n[\s\S]*mirror_lagging_refs 4\n/);
  });
});
