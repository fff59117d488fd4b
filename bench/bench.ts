/**
 * One benchmark run, end to end: a sandbox (fake GitHub and GitLab over real git smart HTTP), the
 * real app process (lib/src/main.js), the latency phase, then the burst against a freshly started
 * app (so its peak memory is the burst's own). Returns everything measured; report.ts judges it.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startApp, startSandbox, type AppProcess, type Sandbox } from "../sandbox/index.js";
import { waitForCheckRuns, waitForJobs, type CheckRunSummary } from "./app-jobs.js";
import { runFirstSync, type FirstSyncResult } from "./first-sync.js";
import { prepareBurst, runBurst, type BurstResult } from "./burst.js";
import type { ReconcileResult } from "./reconcile.js";
import type { BenchContext } from "./context.js";
import { plainGit } from "./git-cli.js";
import { runLatency, type SizeResult } from "./latency.js";
import { describeMachine, type Machine } from "./machine.js";
import type { BenchOptions, Mode } from "./options.js";
import { sampleMemory } from "./process-stats.js";
import type { WatchStats } from "./ref-watch.js";
import { median, ratio } from "./stats.js";

export interface BenchResults {
  mode: Mode;
  startedAt: string;
  /** Seconds the run took; run.ts sets the whole run's, reconciliation and LFS included. */
  durationS: number;
  machine: Machine;
  /** 1-minute load average when the run started and ended (other work on the machine skews timings). */
  load: { start: number; end: number };
  settings: {
    sizes: number[];
    iterations: number;
    actionsIterations: Record<string, number>;
    burst: { repos: number; commitsPerRepo: number; inFlight: number };
    pollMs: number;
    /** How long both fakes held back every REST answer (git smart HTTP is never slowed). */
    apiLatencyMs: number;
    firstSyncRounds: Record<string, number>;
    /** Variables set for the app beyond the sandbox's wiring (names only). */
    appEnv: string[];
  };
  latency: {
    sizes: SizeResult[];
    /** Mirror jobs the app ran in the latency phase and their check runs (all must succeed). */
    jobs: number;
    checkRuns: Omit<CheckRunSummary, "doneAt">;
    appMemory: { hwmMb: number };
  };
  /** (a) at the largest history over (a) at the smallest. */
  historyIndependence: { smallest: number; largest: number; aSmallestMs: number; aLargestMs: number; ratio: number };
  /** The first mirror of the largest history: mirror-bot against clone --mirror + push --mirror. */
  initialSync: { commits: number; mirrorBotMs: number; actionsMs: number; actionsRuns: number; actionsOverMirrorBot: number };
  /** First mirrors of whole histories against clone --mirror + push --mirror, side by side (first-sync.ts). */
  firstSync: FirstSyncResult["sizes"];
  burst: BurstResult | null;
  /** Reconciliation at org scale (reconcile.ts), run after the rest on a sandbox of its own. */
  reconcile?: ReconcileResult;
  observedVia: WatchStats;
  /** Anything wrong (refs not mirrored, failed check runs, sandbox errors); empty when all is right. */
  problems: string[];
}

/**
 * The app's environment beyond the sandbox's wiring. Performance settings stay at their defaults;
 * the admin token only opens /metrics, from which the burst reads the app's event-loop delay.
 */
function appEnv(adminToken: string): Record<string, string> {
  return { MIRROR_ADMIN_TOKEN: adminToken };
}

export async function runBench(options: BenchOptions, log: (message: string) => void): Promise<BenchResults> {
  const startedAt = new Date();
  const started = performance.now();
  const machine = await describeMachine();
  const loadAtStart = os.loadavg()[0]!;
  const sandbox = await startSandbox({ apiLatencyMs: options.apiLatencyMs, ...(options.historyDir ? { historyDir: options.historyDir } : {}) });
  log(`fakes answer every REST call after ${options.apiLatencyMs} ms (--api-latency-ms); git smart HTTP is not slowed`);
  const apps: AppProcess[] = [];
  const adminToken = randomBytes(24).toString("hex");
  const launch = async (cache: string, port?: number) => {
    const env = sandbox.appEnv({ ...appEnv(adminToken), MIRROR_CACHE_DIR: path.join(sandbox.root, cache), ...(port ? { PORT: String(port) } : {}) });
    const app = await startApp(env);
    apps.push(app);
    return app;
  };
  try {
    const workDir = path.join(sandbox.root, "bench-work");
    await mkdir(workDir, { recursive: true });
    const problems: string[] = [];
    const app = await launch("cache-latency");
    await quiet(sandbox);
    const ctx: BenchContext = { sandbox, app, git: plainGit(sandbox), workDir, pollMs: options.pollMs, adminToken, log };

    log(`latency: sizes ${options.latency.sizes.join(", ")}; ${options.latency.iterations} iterations each`);
    const memory = sampleMemory(app.pid, 250);
    const latency = await runLatency(ctx, options.latency);
    log(`first sync: sizes ${options.firstSync.sizes.join(", ")}; mirror-bot against clone --mirror + push --mirror`);
    const firstSync = await runFirstSync(ctx, options.firstSync, latency.observedVia);
    const latencyJobs = await waitForJobs(app, [...latency.sizes.flatMap((s) => s.deliveryIds), ...firstSync.deliveryIds], options.checkRunTimeoutMs);
    const { doneAt: _doneAt, ...latencyChecks } = await waitForCheckRuns(sandbox, [...latency.pairs, ...firstSync.pairs], latencyJobs.length, options.checkRunTimeoutMs);
    const latencyMemory = await memory.stop();
    await app.stop();
    problems.push(...latency.sizes.flatMap((s) => s.problems), ...firstSync.problems.map((p) => `first sync: ${p}`));
    if (latencyChecks.failed > 0 || latencyChecks.timedOut) {
      problems.push(`latency phase: ${latencyChecks.completed}/${latencyJobs.length} check runs completed, ${latencyChecks.failed} failed ${latencyChecks.failures.join("; ")}`);
    }

    // The burst app starts first: at start the app reconciles every repository it can see, which
    // would mirror the burst's repositories before a single delivery was sent.
    const burstApp = await launch("cache-burst", await sandbox.freePort());
    await quiet(sandbox);
    log(`burst: fresh app started; preparing ${options.burst.repos} repositories × ${options.burst.commitsPerRepo} commits`);
    const prepared = await prepareBurst(ctx, options.burst);
    log(`burst: prepared in ${(prepared.setupMs / 1000).toFixed(1)} s`);
    const burst = await runBurst({ ...ctx, app: burstApp }, options.burst, prepared);
    await burstApp.stop();
    problems.push(...burst.problems.map((p) => `burst: ${p}`));
    problems.push(...sandboxErrors(sandbox));

    const sizes = latency.sizes;
    const smallest = sizes[0]!;
    const largest = sizes[sizes.length - 1]!;
    const observedVia = { watch: latency.observedVia.watch + burst.observedVia.watch, poll: latency.observedVia.poll + burst.observedVia.poll };
    return {
      mode: options.mode,
      startedAt: startedAt.toISOString(),
      durationS: (performance.now() - started) / 1000,
      machine,
      load: { start: loadAtStart, end: os.loadavg()[0]! },
      settings: {
        sizes: options.latency.sizes,
        iterations: options.latency.iterations,
        actionsIterations: Object.fromEntries(options.latency.sizes.map((n) => [String(n), options.latency.actionsIterations(n)])),
        burst: { repos: options.burst.repos, commitsPerRepo: options.burst.commitsPerRepo, inFlight: options.burst.inFlight },
        pollMs: options.pollMs,
        apiLatencyMs: options.apiLatencyMs,
        firstSyncRounds: Object.fromEntries(options.firstSync.sizes.map((n) => [String(n), options.firstSync.rounds(n)])),
        appEnv: Object.keys(appEnv(adminToken)),
      },
      latency: { sizes, jobs: latencyJobs.length, checkRuns: latencyChecks, appMemory: { hwmMb: latencyMemory.hwmMb } },
      historyIndependence: {
        smallest: smallest.commits,
        largest: largest.commits,
        aSmallestMs: smallest.median.a,
        aLargestMs: largest.median.a,
        ratio: ratio(largest.median.a, smallest.median.a),
      },
      initialSync: {
        commits: largest.commits,
        mirrorBotMs: largest.initialSync.ms,
        actionsMs: median(largest.runs.c.map((r) => r.ms)),
        actionsRuns: largest.runs.c.length,
        actionsOverMirrorBot: ratio(median(largest.runs.c.map((r) => r.ms)), largest.initialSync.ms),
      },
      firstSync: firstSync.sizes,
      burst,
      observedVia,
      problems,
    };
  } finally {
    await Promise.all(apps.map((app) => app.stop().catch(() => undefined)));
    await sandbox.close();
  }
}

/**
 * Waits until neither fake has received a request for a second (at most a minute): the app's
 * start-up work (installation scan, reconciliation) is over before anything is timed.
 */
async function quiet(sandbox: Sandbox): Promise<void> {
  const count = () => sandbox.github.requests.length + sandbox.gitlab.requests.length;
  const deadline = performance.now() + 60_000;
  let last = count();
  let since = performance.now();
  while (performance.now() - since < 1_000 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (count() !== last) {
      last = count();
      since = performance.now();
    }
  }
}

function sandboxErrors(sandbox: Sandbox): string[] {
  return [...sandbox.github.errors.map((e) => `fake GitHub handler error: ${e.message}`), ...sandbox.gitlab.errors.map((e) => `fake GitLab handler error: ${e.message}`)];
}
