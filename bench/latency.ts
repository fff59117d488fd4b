/**
 * Incremental latency at several history sizes, three ways, interleaved in one run:
 *  (a) mirror-bot: signed push webhook sent → the GitLab ref at the new commit;
 *  (b) the floor: plain `git fetch` of the new commit into a warm bare clone, then plain `git push`
 *      to a GitLab project kept for the baseline (two commands; same end point: the ref moved);
 *  (c) Actions-style: `git clone --mirror` + `git push --mirror` from scratch into a fresh project.
 * All sizes are set up first (history seeded, mirrored once through the app, which is timed as the
 * initial sync, and the floor's warm clone made). Then each iteration visits every size: one new
 * commit pushed to GitHub (untimed), then a, b, c in turn, starting with a different one each
 * iteration so none always goes first. (a) and (b) both move GitLab by exactly that one commit.
 */
import type { BenchContext } from "./context.js";
import type { WatchStats } from "./ref-watch.js";
import { createHistoryRepo, githubTip, MAIN, pushCommit, type LinkedRepo } from "./repos.js";
import { median, ratio, round } from "./stats.js";
import { medianTimeline, type FloorTimeline, type MirrorTimeline } from "./timeline.js";
import { setUpFloor, timeActions, timeFloor, timeMirror, type ActionsRun, type Floor, type FloorRun, type MirrorRun } from "./variants.js";

export type { ActionsRun, FloorRun, MirrorRun } from "./variants.js";

export interface LatencyOptions {
  sizes: number[];
  /** Iterations of (a) and (b) per size. */
  iterations: number;
  /** Iterations of (c) for a size (it clones the whole history each time). */
  actionsIterations(commits: number): number;
  /** Bound on one mirror; an initial sync of a large history gets `initialTimeoutMs`. */
  timeoutMs: number;
  initialTimeoutMs: number;
}

export interface SizeResult {
  commits: number;
  repo: string;
  seedMs: number;
  /** The first mirror of the whole history through the app (webhook → GitLab ref). */
  initialSync: MirrorRun;
  /** Setting up the floor's warm clone and its GitLab project (untimed in the comparison). */
  floorSetupMs: number;
  runs: { a: MirrorRun[]; b: FloorRun[]; c: ActionsRun[] };
  median: { a: number; b: number; c: number };
  ratios: { aOverB: number; cOverA: number };
  timelines: { a: Record<keyof MirrorTimeline, number | null>; b: Record<keyof FloorTimeline, number | null> };
  deliveryIds: string[];
  problems: string[];
}

export interface LatencyResult {
  sizes: SizeResult[];
  /** How the watched refs' changes were seen (fs.watch vs the backstop poll). */
  observedVia: WatchStats;
  /** Every linked pair, for the check-run accounting that follows. */
  pairs: LinkedRepo[];
}

type Variant = "a" | "b" | "c";
const VARIANTS: Variant[] = ["a", "b", "c"];

export function sizeLabel(commits: number): string {
  return commits >= 1000 && commits % 1000 === 0 ? `${commits / 1000}k` : String(commits);
}

export async function runLatency(ctx: BenchContext, options: LatencyOptions): Promise<LatencyResult> {
  const observedVia: WatchStats = { watch: 0, poll: 0 };
  const setups: SizeSetup[] = [];
  for (const commits of options.sizes) setups.push(await setUpSize(ctx, options, commits, observedVia));

  // Every iteration visits every size, so load that comes and goes hits all sizes alike.
  ctx.log(`latency: ${options.iterations} iterations over ${options.sizes.map(sizeLabel).join(", ")}`);
  for (let i = 0; i < options.iterations; i++) {
    for (const setup of setups) await iterate(ctx, options, setup, i, observedVia);
  }

  const sizes: SizeResult[] = [];
  for (const setup of setups) {
    const result = await summarize(ctx, setup);
    sizes.push(result);
    ctx.log(
      `latency ${sizeLabel(result.commits)}: a ${round(result.median.a)} ms, b ${round(result.median.b)} ms, c ${round(result.median.c)} ms; ` +
        `a/b ${round(result.ratios.aOverB, 2)}, c/a ${round(result.ratios.cOverA, 1)}`,
    );
  }
  return { sizes, observedVia, pairs: setups.map((s) => s.pair) };
}

interface SizeSetup {
  commits: number;
  label: string;
  pair: LinkedRepo;
  seedMs: number;
  initialSync: MirrorRun;
  floor: Floor;
  runs: SizeResult["runs"];
}

/** The repository with its history, mirrored once through the app, and the floor's warm clone. */
async function setUpSize(ctx: BenchContext, options: LatencyOptions, commits: number, observedVia: WatchStats): Promise<SizeSetup> {
  const label = sizeLabel(commits);
  const { pair, push, seedMs } = await createHistoryRepo(ctx.sandbox, { name: `history-${label}`, project: `bench/mirror-${label}`, commits });
  ctx.log(`latency ${label}: seeded ${commits} commits in ${round(seedMs / 1000)} s; initial sync through the app…`);
  const initialSync = await timeMirror(ctx, pair, push, options.initialTimeoutMs, observedVia);
  ctx.log(`latency ${label}: initial sync ${round(initialSync.ms / 1000, 2)} s; setting up the floor's warm clone…`);
  const floor = await setUpFloor(ctx, pair, label);
  return { commits, label, pair, seedMs, initialSync, floor, runs: { a: [], b: [], c: [] } };
}

/** One new commit on GitHub, then a, b and c in turn, starting with a different one each iteration. */
async function iterate(ctx: BenchContext, options: LatencyOptions, setup: SizeSetup, i: number, observedVia: WatchStats): Promise<void> {
  const { pair, floor, runs, label } = setup;
  const push = await pushCommit(ctx.sandbox, pair.repo, `${label}-${i}`);
  const order = VARIANTS.map((_, k) => VARIANTS[(i + k) % VARIANTS.length]!);
  for (const variant of order) {
    if (variant === "a") runs.a.push(await timeMirror(ctx, pair, push, options.timeoutMs, observedVia));
    if (variant === "b") runs.b.push(await timeFloor(ctx, pair, floor, push.after, options.timeoutMs, observedVia));
    if (variant === "c" && i < options.actionsIterations(setup.commits)) {
      runs.c.push(await timeActions(ctx, pair, `${label}-${i}`, push.after, options.initialTimeoutMs, observedVia));
    }
  }
}

/** Medians and ratios of one size, after checking that both GitLab copies ended where GitHub is. */
async function summarize(ctx: BenchContext, { commits, pair, seedMs, initialSync, floor, runs }: SizeSetup): Promise<SizeResult> {
  const { sandbox } = ctx;
  const problems: string[] = [];
  const tip = await githubTip(sandbox, pair.repo);
  const github = await sandbox.github.refs(pair.repo);
  const mirrored = await sandbox.gitlab.refs(pair.project);
  if (JSON.stringify([...github].sort()) !== JSON.stringify([...mirrored].sort())) {
    problems.push(`${pair.project} does not match ${pair.repo} after the runs`);
  }
  if ((await sandbox.gitlab.refs(floor.project)).get(MAIN) !== tip) problems.push(`the floor's ${floor.project} is not at ${tip}`);

  const med = { a: median(runs.a.map((r) => r.ms)), b: median(runs.b.map((r) => r.ms)), c: median(runs.c.map((r) => r.ms)) };
  return {
    commits,
    repo: pair.repo,
    seedMs,
    initialSync,
    floorSetupMs: floor.setupMs,
    runs,
    median: med,
    ratios: { aOverB: ratio(med.a, med.b), cOverA: ratio(med.c, med.a) },
    timelines: { a: medianTimeline(runs.a.map((r) => r.timeline)), b: medianTimeline(runs.b.map((r) => r.timeline)) },
    deliveryIds: [initialSync.deliveryId, ...runs.a.map((r) => r.deliveryId)],
    problems,
  };
}
