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
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { LoggedRequest } from "../sandbox/index.js";
import type { BenchContext } from "./context.js";
import { createLinkedRepo, deliver, githubTip, MAIN, pushCommit, pushPayload, seedHistory, type LinkedRepo } from "./repos.js";
import { RefWatcher, type WatchStats } from "./ref-watch.js";
import { median, ratio, round } from "./stats.js";
import { floorTimeline, medianTimeline, mirrorTimeline, type FloorTimeline, type MirrorTimeline } from "./timeline.js";

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

export interface MirrorRun {
  ms: number;
  webhookMs: number;
  deliveryId: string;
  timeline: MirrorTimeline;
}

export interface FloorRun {
  ms: number;
  fetchMs: number;
  pushMs: number;
  timeline: FloorTimeline;
}

export interface ActionsRun {
  ms: number;
  cloneMs: number;
  pushMs: number;
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
  const pair = await createLinkedRepo(ctx.sandbox, { name: `history-${label}`, project: `bench/mirror-${label}` });
  const seeded = await seedHistory(ctx.sandbox, pair.repo, commits);
  ctx.log(`latency ${label}: seeded ${commits} commits in ${round(seeded.ms / 1000)} s; initial sync through the app…`);
  const initialSync = await timeMirror(ctx, pair, seeded, options.initialTimeoutMs, observedVia);
  ctx.log(`latency ${label}: initial sync ${round(initialSync.ms / 1000, 2)} s; setting up the floor's warm clone…`);
  const floor = await setUpFloor(ctx, pair, label);
  return { commits, label, pair, seedMs: seeded.ms, initialSync, floor, runs: { a: [], b: [], c: [] } };
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

/** Requests the fakes log from now on, read back after the timed work; the logs are then emptied. */
function requestMark(ctx: BenchContext): () => { github: LoggedRequest[]; gitlab: LoggedRequest[] } {
  const { github, gitlab } = ctx.sandbox;
  github.resetRequests();
  gitlab.resetRequests();
  return () => {
    const taken = { github: [...github.requests], gitlab: [...gitlab.requests] };
    github.resetRequests();
    gitlab.resetRequests();
    return taken;
  };
}

async function withWatcher<T>(dir: string, ctx: BenchContext, observedVia: WatchStats, use: (watcher: RefWatcher) => Promise<T>): Promise<T> {
  const watcher = await RefWatcher.start(dir, MAIN, { pollMs: ctx.pollMs });
  try {
    return await use(watcher);
  } finally {
    watcher.close();
    observedVia.watch += watcher.stats.watch;
    observedVia.poll += watcher.stats.poll;
  }
}

/** (a): webhook sent → GitLab's main at `push.after`. */
function timeMirror(ctx: BenchContext, pair: LinkedRepo, push: { before: string; after: string }, timeoutMs: number, observedVia: WatchStats): Promise<MirrorRun> {
  return withWatcher(pair.gitlabDir, ctx, observedVia, async (watcher) => {
    const payload = pushPayload(ctx.sandbox, pair.repo, push);
    const deliveryId = randomUUID();
    const requests = requestMark(ctx);
    // Give the event loop a turn so nothing queued earlier runs inside the timed window.
    await new Promise((resolve) => setImmediate(resolve));
    const startWall = Date.now();
    const started = performance.now();
    const [answer, seen] = await Promise.all([
      deliver(ctx.sandbox, ctx.app, payload, deliveryId),
      watcher.until((sha) => sha === push.after, timeoutMs),
    ]);
    if (answer.status !== 200) throw new Error(`the app answered ${answer.status} to a push delivery: ${answer.body}`);
    const ms = seen.at - started;
    return { ms, webhookMs: answer.ms, deliveryId, timeline: mirrorTimeline(startWall, { ...requests(), webhookMs: answer.ms, refMovedMs: ms }) };
  });
}

interface Floor {
  dir: string;
  project: string;
  gitlabDir: string;
  url: string;
  setupMs: number;
}

/** A warm bare clone of the history and a GitLab project holding it, as the floor starts from. */
async function setUpFloor(ctx: BenchContext, pair: LinkedRepo, label: string): Promise<Floor> {
  const started = performance.now();
  const project = await ctx.sandbox.gitlab.createProject({ path: `bench/floor-${label}` });
  const dir = path.join(ctx.workDir, `floor-${label}.git`);
  await ctx.git(["clone", "--bare", "--quiet", ctx.sandbox.github.cloneUrl(pair.repo), dir]);
  await ctx.git(["push", "--quiet", project.httpUrl, `${MAIN}:${MAIN}`], dir);
  return { dir, project: project.path, gitlabDir: project.bareDir, url: project.httpUrl, setupMs: performance.now() - started };
}

/** (b): `git fetch` the new commit into the warm clone, then `git push` it: two plain commands. */
function timeFloor(ctx: BenchContext, pair: LinkedRepo, floor: Floor, sha: string, timeoutMs: number, observedVia: WatchStats): Promise<FloorRun> {
  return withWatcher(floor.gitlabDir, ctx, observedVia, async (watcher) => {
    const requests = requestMark(ctx);
    await new Promise((resolve) => setImmediate(resolve));
    const startWall = Date.now();
    const started = performance.now();
    const fetchMs = await ctx.git(["fetch", "--quiet", ctx.sandbox.github.cloneUrl(pair.repo), `${MAIN}:${MAIN}`], floor.dir);
    const pushMs = await ctx.git(["push", "--quiet", floor.url, `${MAIN}:${MAIN}`], floor.dir);
    const seen = await watcher.until((value) => value === sha, timeoutMs);
    const ms = seen.at - started;
    return { ms, fetchMs, pushMs, timeline: floorTimeline(startWall, { ...requests(), fetchMs, refMovedMs: ms }) };
  });
}

/** (c): what a CI job without a cache does: clone everything, push everything, to a fresh project. */
async function timeActions(ctx: BenchContext, pair: LinkedRepo, label: string, sha: string, timeoutMs: number, observedVia: WatchStats): Promise<ActionsRun> {
  const project = await ctx.sandbox.gitlab.createProject({ path: `bench/actions-${label}` });
  const scratch = await mkdtemp(path.join(ctx.workDir, "actions-"));
  const dir = path.join(scratch, "mirror.git");
  try {
    return await withWatcher(project.bareDir, ctx, observedVia, async (watcher) => {
      await new Promise((resolve) => setImmediate(resolve));
      const started = performance.now();
      const cloneMs = await ctx.git(["clone", "--mirror", "--quiet", ctx.sandbox.github.cloneUrl(pair.repo), dir]);
      const pushMs = await ctx.git(["push", "--mirror", "--quiet", project.httpUrl], dir);
      const seen = await watcher.until((value) => value === sha, timeoutMs);
      return { ms: seen.at - started, cloneMs, pushMs };
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
