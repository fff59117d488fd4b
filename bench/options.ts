/** The two shapes of a run: the full benchmark, and the smoke run CI uses to keep it working. */
import type { BurstOptions } from "./burst.js";
import type { FirstSyncOptions } from "./first-sync.js";
import type { LatencyOptions } from "./latency.js";
import type { ReconcileOptions } from "./reconcile.js";

export type Mode = "full" | "smoke";

export interface BenchOptions {
  mode: Mode;
  latency: LatencyOptions;
  firstSync: FirstSyncOptions;
  burst: BurstOptions;
  /** How long the fakes hold back every REST answer (`--api-latency-ms`), as github.com and gitlab.com answer from afar. */
  apiLatencyMs: number;
  /** Where seeded histories are kept between runs (written once per size; null: inside the sandbox, removed with it). */
  historyDir: string | null;
  /** Reconciliation at org scale (reconcile.ts); the REST latency is the run's (--api-latency-ms, where the fakes have one). */
  reconcile: Omit<ReconcileOptions, "apiLatencyMs">;
  /** Backstop poll for watched refs (fs.watch normally sees changes first). */
  pollMs: number;
  /** Bound on the latency phase's check runs all completing, after its last mirror. */
  checkRunTimeoutMs: number;
  /** Where results.json and benchmarks.md are written. */
  out: { results: string; doc: string | null };
}

const MINUTE = 60_000;

/** A request to github.com or gitlab.com from a data centre takes 100–300 ms; loopback takes none. */
export const DEFAULT_API_LATENCY_MS = 150;

export function fullOptions(): Omit<BenchOptions, "out" | "historyDir"> {
  return {
    mode: "full",
    latency: {
      sizes: [1_000, 20_000, 100_000],
      iterations: 11,
      actionsIterations: (commits) => (commits >= 100_000 ? 3 : 7),
      timeoutMs: MINUTE,
      initialTimeoutMs: 10 * MINUTE,
    },
    // Four rounds, two in each order: one clone of the same 100k history took 15.4 to 18.3 s within
    // one run on this machine, so a median of two rounds moved by 0.1 on noise alone.
    firstSync: { sizes: [20_000, 100_000], rounds: () => 4, timeoutMs: 10 * MINUTE },
    burst: { repos: 50, commitsPerRepo: 20, inFlight: 50, setupConcurrency: 4, mirrorTimeoutMs: 5 * MINUTE, checkRunTimeoutMs: 15 * MINUTE },
    reconcile: { repos: 2_000, setupConcurrency: 8, timeoutMs: 120 * MINUTE },
    pollMs: 10,
    checkRunTimeoutMs: 5 * MINUTE,
    apiLatencyMs: DEFAULT_API_LATENCY_MS,
  };
}

export function smokeOptions(): Omit<BenchOptions, "out" | "historyDir"> {
  return {
    mode: "smoke",
    latency: { sizes: [200], iterations: 3, actionsIterations: () => 2, timeoutMs: MINUTE, initialTimeoutMs: MINUTE },
    firstSync: { sizes: [200], rounds: () => 1, timeoutMs: MINUTE },
    burst: { repos: 4, commitsPerRepo: 10, inFlight: 10, setupConcurrency: 4, mirrorTimeoutMs: MINUTE, checkRunTimeoutMs: 2 * MINUTE },
    reconcile: { repos: 5, setupConcurrency: 4, timeoutMs: 2 * MINUTE },
    pollMs: 10,
    checkRunTimeoutMs: MINUTE,
    apiLatencyMs: DEFAULT_API_LATENCY_MS,
  };
}
