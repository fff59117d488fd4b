/**
 * Keeps `npm run bench` from rotting: runs the smoke mode of the built benchmark (lib/bench/run.js,
 * built by `npm test`'s pretest) against the sandbox and the real app, and checks that it finished
 * and that its numbers are sane. Correctness only: timing targets are the benchmark's business,
 * never a test's (CI machines vary).
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function runSmoke(outDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Only what the bench needs: jest's NODE_OPTIONS (vm modules) must not leak into it.
    const { NODE_OPTIONS: _ignored, ...env } = process.env;
    const child = spawn(process.execPath, [path.join(root, "lib", "bench", "run.js"), "--smoke", "--out", outDir], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const positive = (value: unknown) => typeof value === "number" && Number.isFinite(value) && value > 0;

describe("npm run bench -- --smoke", () => {
  let outDir: string;
  let run: { code: number | null; stdout: string; stderr: string };
  let results: any;

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(os.tmpdir(), "bench-smoke-"));
    run = await runSmoke(outDir);
    results = JSON.parse(await readFile(path.join(outDir, "results.json"), "utf8").catch(() => "null"));
  }, 240_000);

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it("completes, with nothing mirrored wrong", () => {
    if (run.code !== 0) throw new Error(`bench exited ${run.code}\n${run.stdout}\n${run.stderr}`);
    expect(results).toMatchObject({ mode: "smoke", problems: [] });
    expect(run.stdout).toContain("Incremental latency");
  });

  it("times (a), (b) and (c) on the real app and computes the ratios", () => {
    const [size] = results.latency.sizes;
    expect(results.latency.sizes).toHaveLength(1);
    expect(size.runs.a).toHaveLength(results.settings.iterations);
    expect(size.runs.b).toHaveLength(results.settings.iterations);
    expect(size.runs.c.length).toBeGreaterThan(0);
    for (const value of [size.median.a, size.median.b, size.median.c, size.ratios.aOverB, size.ratios.cOverA, size.initialSync.ms, results.historyIndependence.ratio]) {
      expect(positive(value)).toBe(true);
    }
    // Each (a) run and each first sync is one job of the real app, and each leaves a successful check run.
    const firstSyncs = results.firstSync.reduce((n: number, s: any) => n + s.runs.a.length, 0);
    expect(results.latency.jobs).toBe(size.runs.a.length + 1 + firstSyncs);
    expect(results.latency.checkRuns).toMatchObject({ completed: results.latency.jobs, failed: 0, timedOut: false });
    expect(positive(size.timelines.a.pushStarted)).toBe(true);
  });

  it("times first syncs of a whole history against clone --mirror + push --mirror, with API latency on", () => {
    expect(results.settings.apiLatencyMs).toBe(150);
    expect(run.stderr).toContain("fakes answer every REST call after 150 ms");
    const [first] = results.firstSync;
    expect(first.runs.a.length).toBeGreaterThan(0);
    expect(first.runs.c).toHaveLength(first.runs.a.length);
    for (const value of [first.median.a, first.median.c, first.aOverC]) expect(positive(value)).toBe(true);
    expect(results.targets.map((t: any) => t.name)).toContain(`first sync / clone + push --mirror at ${first.commits} commits`);
  });

  it("mirrors every delivery of the burst, with every check run succeeding", () => {
    const { burst, settings } = results;
    expect(burst.deliveries).toBe(settings.burst.repos * settings.burst.commitsPerRepo);
    expect(burst).toMatchObject({ refsRight: true, problems: [] });
    expect(burst.webhook.non200).toBe(0);
    expect(burst.endToEnd.missing).toBe(0);
    expect(burst.checkRuns).toMatchObject({ failed: 0, timedOut: false, completed: burst.jobs });
    // At least one job and one push per repository; never more jobs than deliveries.
    expect(burst.jobs).toBeGreaterThanOrEqual(settings.burst.repos);
    expect(burst.jobs).toBeLessThanOrEqual(burst.deliveries);
    expect(burst.gitPushes).toBeGreaterThanOrEqual(settings.burst.repos);
    for (const value of [burst.webhook.p50, burst.webhook.p99, burst.endToEnd.p99, burst.memory.hwmMb]) expect(positive(value)).toBe(true);
  });

  it("judges every target and writes the report", async () => {
    expect(results.targets.length).toBeGreaterThanOrEqual(6);
    for (const target of results.targets) expect(typeof target.met).toBe("boolean");
    const doc = await readFile(path.join(outDir, "benchmarks.md"), "utf8");
    expect(doc).toContain("## Targets");
    expect(doc).toContain(results.machine.git);
  });
});
