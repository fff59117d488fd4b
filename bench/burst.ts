/**
 * A burst: many repositories, each with commits already pushed to GitHub, and one signed push
 * delivery per commit sent as fast as a bounded number of connections allows, interleaved across
 * repositories (commit 1 of every repository, then commit 2, ...), as pushes from many teams
 * arrive. Measured: how fast the app answers each delivery, how long until each delivery's commit
 * (or a descendant) is on GitLab, how many git pushes and sync jobs that took (coalescing), how
 * long until every check run is completed, and the app's peak memory. Verified: every GitLab ref
 * equals GitHub's, and no check run failed.
 */
import { randomUUID } from "node:crypto";
import { Worker } from "node:worker_threads";
import type { PushResult } from "../sandbox/index.js";
import { waitForCheckRuns, waitForJobs, type CheckRunSummary } from "./app-jobs.js";
import type { BenchContext } from "./context.js";
import { scrapeEventLoopDelay, type EventLoopDelay } from "./app-metrics.js";
import { sampleMemory, type MemorySampler } from "./process-stats.js";
import { RefWatcher, type WatchStats } from "./ref-watch.js";
import type { SenderInput, SenderOutput } from "./burst-sender.js";
import { createLinkedRepo, deliver, MAIN, pushCommit, pushCommits, pushPayload, type LinkedRepo } from "./repos.js";
import { mapLimit, percentile, round } from "./stats.js";

export interface BurstOptions {
  repos: number;
  commitsPerRepo: number;
  /** Deliveries in flight at once. */
  inFlight: number;
  /** Repositories being prepared (commits pushed) at once. */
  setupConcurrency: number;
  /** Bound on every delivery's commit reaching GitLab, from the first delivery. */
  mirrorTimeoutMs: number;
  /** Bound on every check run completing, from the first delivery. */
  checkRunTimeoutMs: number;
}

export interface BurstRepo {
  pair: LinkedRepo;
  pushes: PushResult[];
}

export interface BurstResult {
  repos: number;
  deliveries: number;
  inFlight: number;
  setupMs: number;
  /** From the first delivery sent to the last one answered. */
  sendMs: number;
  webhook: { p50: number; p99: number; max: number; non200: number };
  /** Delivery sent → its commit (or a descendant) on GitLab. */
  endToEnd: { p50: number; p99: number; max: number; reachedBeforeSent: number; missing: number };
  /** From the first delivery until every GitLab ref was right. */
  allMirroredMs: number;
  /** Sync jobs the app ran (deliveries are coalesced per repository while a job waits). */
  jobs: number;
  /** git-receive-pack requests that reached the GitLab projects. */
  gitPushes: number;
  checkRuns: CheckRunSummary & { completedAfterMs: number; afterLastAnswerMs: number };
  memory: { hwmMb: number; peakSampledRssMb: number };
  /**
   * Answers on the first `inFlight` deliveries, each of which opened its connection (the app had to
   * accept it), and on the rest, which reused one: where a slow tail comes from.
   */
  webhookByConnection: { opened: Percentiles; reused: Percentiles };
  /** Webhook answer p50 / max per tenth of the deliveries, in sending order (where the slow ones were). */
  webhookByTenth: Array<{ p50: number; max: number }>;
  /** The app's event-loop delay (its /metrics) while the deliveries were sent, and after, until all were mirrored. */
  eventLoop: { sending: EventLoopDelay | null; mirroring: EventLoopDelay | null };
  /** The sender thread's event-loop delay while sending: a stalled sender would inflate answer times. */
  senderEventLoop: EventLoopDelay;
  /** The slowest answers: position in sending order, ms after the first delivery was sent, answer ms. */
  slowest: Array<{ index: number; sentAfterMs: number; webhookMs: number }>;
  refsRight: boolean;
  observedVia: WatchStats;
  problems: string[];
}

export interface Percentiles {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

function percentiles(values: number[]): Percentiles {
  return { count: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max: Math.max(...values) };
}

export interface PreparedBurst {
  repos: BurstRepo[];
  /** A repository mirrored before the burst, so the app has served pushes (JIT, token) first. */
  warmUp: BurstRepo;
  setupMs: number;
}

/** Creates the repositories and pushes their commits (no webhooks); runs before the app starts. */
export async function prepareBurst(ctx: BenchContext, options: BurstOptions): Promise<PreparedBurst> {
  const started = performance.now();
  const warmPair = await createLinkedRepo(ctx.sandbox, { name: "burst-warm-up", project: "bench/burst-warm-up" });
  const warmUp = { pair: warmPair, pushes: [await pushCommit(ctx.sandbox, warmPair.repo, "warm-up")] };
  const indices = Array.from({ length: options.repos }, (_, i) => i);
  const repos = await mapLimit(indices, options.setupConcurrency, async (i) => {
    const name = `burst-${String(i).padStart(2, "0")}`;
    const pair = await createLinkedRepo(ctx.sandbox, { name, project: `bench/${name}` });
    // The commits go to GitHub in one push (only the deliveries are timed); each gets a delivery of its own.
    const labels = Array.from({ length: options.commitsPerRepo }, (_, c) => `${name}-${c}`);
    const pushed = await pushCommits(ctx.sandbox, pair.repo, labels);
    const pushes = pushed.commits.map((after, c) => ({ ref: pushed.ref, before: c === 0 ? pushed.before : pushed.commits[c - 1]!, after, commits: [after] }));
    return { pair, pushes };
  });
  return { repos, warmUp, setupMs: performance.now() - started };
}

/** Backstop poll of each burst repository's ref; end-to-end times are seconds, fs.watch catches changes first. */
export const BURST_POLL_MS = 250;

interface Delivery {
  repo: number;
  commit: number;
  id: string;
  payload: Record<string, unknown>;
  sentAt?: number;
  webhookMs?: number;
  status?: number;
  reachedAt?: number;
}

/** Sends the burst to `ctx.app` (which should have started fresh, so its peak memory is the burst's). */
export async function runBurst(ctx: BenchContext, options: BurstOptions, prepared: PreparedBurst): Promise<BurstResult> {
  const { sandbox } = ctx;
  const repos = prepared.repos;
  const memory: MemorySampler = sampleMemory(ctx.app.pid, 100);
  await warmUp(ctx, prepared.warmUp, options.mirrorTimeoutMs);

  // Interleaved: commit 0 of every repository, then commit 1, ...
  const deliveries: Delivery[] = [];
  for (let commit = 0; commit < options.commitsPerRepo; commit++) {
    repos.forEach((r, repo) => deliveries.push({ repo, commit, id: randomUUID(), payload: pushPayload(sandbox, r.pair.repo, r.pushes[commit]!) }));
  }
  const pushesBefore = repos.reduce((sum, r) => sum + sandbox.gitlab.pushCount(r.pair.project), 0);
  const arrivals = await watchArrivals(ctx, repos, deliveries);

  await scrapeEventLoopDelay(ctx.app, ctx.adminToken); // resets the app's histogram
  const sent = await sendAll(ctx, deliveries, options.inFlight, arrivals.arrivedAt);
  const sendingLoop = await scrapeEventLoopDelay(ctx.app, ctx.adminToken);
  ctx.log(`burst: ${deliveries.length} deliveries answered in ${round((sent.lastAnswer - sent.first) / 1000, 2)} s; waiting for GitLab…`);

  const problems: string[] = [];
  const allReached = await waitUntil(() => deliveries.every((d) => d.reachedAt !== undefined), options.mirrorTimeoutMs - (performance.now() - sent.first));
  if (!allReached) problems.push("not every delivery's commit reached GitLab in time");
  const allMirroredMs = Math.max(...deliveries.map((d) => d.reachedAt ?? performance.now())) - sent.first;
  const mirroringLoop = await scrapeEventLoopDelay(ctx.app, ctx.adminToken);
  const observedVia = arrivals.close();

  const jobs = await waitForJobs(
    ctx.app,
    deliveries.map((d) => d.id),
    options.mirrorTimeoutMs,
  ).catch((error: Error) => {
    problems.push(error.message);
    return [];
  });
  ctx.log(`burst: ${jobs.length} sync jobs; waiting for their check runs (written ~1 s apart)…`);
  const pairs = repos.map((r) => r.pair);
  const checkRuns = await waitForCheckRuns(sandbox, pairs, jobs.length, Math.max(0, options.checkRunTimeoutMs - (performance.now() - sent.first)));
  const mem = await memory.stop();

  const wrongRefs = await differingMirrors(ctx, pairs);
  problems.push(...wrongRefs.map((pair) => `${pair.project} differs from ${pair.repo}`));
  if (checkRuns.timedOut) problems.push(`only ${checkRuns.completed} of ${jobs.length} check runs completed in time`);
  if (checkRuns.failed > 0) problems.push(`${checkRuns.failed} check run(s) did not succeed: ${checkRuns.failures.join("; ")}`);
  const failedJobs = jobs.filter((j) => j.conclusion !== "success");
  if (failedJobs.length > 0) problems.push(`${failedJobs.length} job(s) did not succeed`);
  const non200 = deliveries.filter((d) => d.status !== 200).length;
  if (non200 > 0) problems.push(`${non200} deliveries were not answered 200`);

  const webhook = deliveries.map((d) => d.webhookMs ?? NaN);
  const e2e = deliveries.filter((d) => d.reachedAt !== undefined).map((d) => d.reachedAt! - d.sentAt!);
  return {
    repos: repos.length,
    deliveries: deliveries.length,
    inFlight: options.inFlight,
    setupMs: prepared.setupMs,
    sendMs: sent.lastAnswer - sent.first,
    webhook: { p50: percentile(webhook, 50), p99: percentile(webhook, 99), max: Math.max(...webhook), non200 },
    endToEnd: {
      p50: percentile(e2e, 50),
      p99: percentile(e2e, 99),
      max: Math.max(...e2e),
      reachedBeforeSent: deliveries.filter((d) => d.reachedAt === d.sentAt).length,
      missing: deliveries.length - e2e.length,
    },
    allMirroredMs,
    jobs: jobs.length,
    gitPushes: repos.reduce((sum, r) => sum + sandbox.gitlab.pushCount(r.pair.project), 0) - pushesBefore,
    checkRuns: { ...checkRuns, completedAfterMs: checkRuns.doneAt - sent.first, afterLastAnswerMs: checkRuns.doneAt - sent.lastAnswer },
    memory: { hwmMb: mem.hwmMb, peakSampledRssMb: mem.peakSampledRssMb },
    // The sender's keep-alive agent opens one connection per delivery in flight, then reuses them.
    webhookByConnection: { opened: percentiles(webhook.slice(0, options.inFlight)), reused: percentiles(webhook.slice(options.inFlight)) },
    webhookByTenth: tenths(webhook),
    eventLoop: { sending: sendingLoop, mirroring: mirroringLoop },
    senderEventLoop: sent.senderLoop,
    slowest: deliveries
      .map((d, index) => ({ index, sentAfterMs: (d.sentAt ?? sent.first) - sent.first, webhookMs: d.webhookMs ?? NaN }))
      .sort((a, b) => b.webhookMs - a.webhookMs)
      .slice(0, 10),
    refsRight: wrongRefs.length === 0,
    observedVia,
    problems,
  };
}

/**
 * Watches every GitLab project's main: when it reaches commit k (or a descendant), every sent
 * delivery of that repository for commits up to k has arrived, at the moment the change was seen.
 */
async function watchArrivals(
  ctx: BenchContext,
  repos: BurstRepo[],
  deliveries: Delivery[],
): Promise<{ reached: number[]; arrivedAt: Array<Map<number, number>>; close(): WatchStats }> {
  const reached = repos.map(() => -1);
  // Per repository: commit index → when it (or a descendant) was first seen on GitLab.
  const arrivedAt = repos.map(() => new Map<number, number>());
  const byRepo = repos.map((_, i) => deliveries.filter((d) => d.repo === i));
  const watchers = await Promise.all(
    repos.map(async (r, i) => {
      const index = new Map(r.pushes.map((p, k) => [p.after, k] as const));
      const watcher = await RefWatcher.start(r.pair.gitlabDir, MAIN, { pollMs: Math.max(ctx.pollMs, BURST_POLL_MS) });
      watcher.onChange(({ sha, at }) => {
        const k = sha ? index.get(sha) : undefined;
        if (k === undefined || k <= reached[i]!) return;
        for (let c = reached[i]! + 1; c <= k; c++) arrivedAt[i]!.set(c, at);
        reached[i] = k;
        // Deliveries already sent (the sender has reported) arrive now; earlier ones are settled from arrivedAt.
        for (const d of byRepo[i]!) if (d.commit <= k && d.sentAt !== undefined && d.reachedAt === undefined) d.reachedAt = Math.max(at, d.sentAt);
      });
      return watcher;
    }),
  );
  return {
    reached,
    arrivedAt,
    close() {
      const stats: WatchStats = { watch: 0, poll: 0 };
      for (const w of watchers) {
        w.close();
        stats.watch += w.stats.watch;
        stats.poll += w.stats.poll;
      }
      return stats;
    },
  };
}

/**
 * Sends every delivery, `inFlight` at a time, from a thread of its own (burst-sender.ts). Returns
 * times on this thread's performance.now() clock; a delivery whose commit was already on GitLab
 * when it was sent has arrived when sent.
 */
async function sendAll(ctx: BenchContext, deliveries: Delivery[], inFlight: number, arrivedAt: Array<Map<number, number>>) {
  const input: SenderInput = {
    url: ctx.app.webhookUrl,
    secret: ctx.sandbox.github.webhookSecret,
    appId: ctx.sandbox.github.appId,
    inFlight,
    deliveries: deliveries.map((d) => ({ id: d.id, payload: d.payload })),
  };
  const output = await new Promise<SenderOutput>((resolve, reject) => {
    const worker = new Worker(new URL("./burst-sender.js", import.meta.url), { workerData: input });
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`the burst sender exited (${code}) before reporting`)));
  });
  const local = (epochMs: number) => epochMs - performance.timeOrigin;
  output.answers.forEach((answer, i) => {
    const d = deliveries[i]!;
    d.sentAt = local(answer.sentAt);
    d.webhookMs = answer.ms;
    d.status = answer.status;
    const arrived = arrivedAt[d.repo]!.get(d.commit);
    if (arrived !== undefined) d.reachedAt = Math.max(arrived, d.sentAt);
  });
  return { first: local(output.first), lastAnswer: local(output.lastAnswer), senderLoop: output.loop };
}

/** Pairs whose GitLab refs are not exactly GitHub's branches and tags. */
async function differingMirrors(ctx: BenchContext, pairs: LinkedRepo[]): Promise<LinkedRepo[]> {
  const wrong: LinkedRepo[] = [];
  for (const pair of pairs) {
    const [github, gitlab] = await Promise.all([ctx.sandbox.github.refs(pair.repo), ctx.sandbox.gitlab.refs(pair.project)]);
    if (JSON.stringify([...github].sort()) !== JSON.stringify([...gitlab].sort())) wrong.push(pair);
  }
  return wrong;
}

function tenths(values: number[]): Array<{ p50: number; max: number }> {
  const size = Math.ceil(values.length / 10);
  return Array.from({ length: Math.ceil(values.length / size) }, (_, i) => {
    const part = values.slice(i * size, (i + 1) * size);
    return { p50: percentile(part, 50), max: Math.max(...part) };
  });
}

/**
 * Deliveries answered before the burst. An app that has been running has answered many, so its
 * webhook path is compiled; one delivery left the burst's first answers to V8's interpreter (the
 * 50 that opened connections took 2 ms each, and the last of them waited for the first).
 */
const WARM_UP_DELIVERIES = 200;

/** One push mirrored before the burst, delivered many times: the burst then meets a running app, not a cold start. */
async function warmUp(ctx: BenchContext, { pair, pushes }: BurstRepo, timeoutMs: number): Promise<void> {
  const push = pushes[0]!;
  const watcher = await RefWatcher.start(pair.gitlabDir, MAIN, { pollMs: ctx.pollMs });
  try {
    const payload = pushPayload(ctx.sandbox, pair.repo, push);
    // Each with an id of its own, so each goes the whole way (a repeated id is answered as a duplicate); they coalesce into one job.
    const ids = Array.from({ length: WARM_UP_DELIVERIES }, () => randomUUID());
    await mapLimit(ids, 10, (id) => deliver(ctx.sandbox, ctx.app, payload, id));
    await watcher.until((sha) => sha === push.after, timeoutMs);
    // The burst starts on an idle app: the warm-up's jobs finished and their check runs written.
    const jobs = await waitForJobs(ctx.app, ids, timeoutMs);
    await waitForCheckRuns(ctx.sandbox, [pair], jobs.length, timeoutMs);
  } finally {
    watcher.close();
  }
}

/** Polls `done` every 10 ms; false after `timeoutMs`. */
async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
