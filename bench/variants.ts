/**
 * The three ways of getting one commit from GitHub to GitLab that the latency phase compares, each
 * timed from its start to the moment the GitLab ref is seen at the commit (ref-watch.ts):
 *  (a) timeMirror: the app, from the signed push webhook being sent;
 *  (b) timeFloor: plain `git fetch` into a warm bare clone, then plain `git push`;
 *  (c) timeActions: `git clone --mirror` + `git push --mirror` from scratch to a fresh project.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { LoggedRequest } from "../sandbox/index.js";
import type { BenchContext } from "./context.js";
import { RefWatcher, type WatchStats } from "./ref-watch.js";
import { deliver, MAIN, pushPayload, type LinkedRepo } from "./repos.js";
import { floorTimeline, mirrorTimeline, type FloorTimeline, type MirrorTimeline } from "./timeline.js";

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

/**
 * Requests the fakes log from now on about one repository and one project (the app may meanwhile
 * reconcile others in the background), read back after the timed work; the logs are then emptied.
 */
function requestMark(ctx: BenchContext, repo: string, project: string): () => { github: LoggedRequest[]; gitlab: LoggedRequest[] } {
  const { github, gitlab } = ctx.sandbox;
  github.resetRequests();
  gitlab.resetRequests();
  const ours = (r: LoggedRequest) => [`/${repo}.git/`, `/repos/${repo}/`, `/${project}.git/`, `/projects/${encodeURIComponent(project)}`].some((part) => r.path.includes(part));
  return () => {
    const taken = { github: github.requests.filter(ours), gitlab: gitlab.requests.filter(ours) };
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
export function timeMirror(ctx: BenchContext, pair: LinkedRepo, push: { before: string; after: string }, timeoutMs: number, observedVia: WatchStats): Promise<MirrorRun> {
  return withWatcher(pair.gitlabDir, ctx, observedVia, async (watcher) => {
    const payload = pushPayload(ctx.sandbox, pair.repo, push);
    const deliveryId = randomUUID();
    const requests = requestMark(ctx, pair.repo, pair.project);
    // Give the event loop a turn so nothing queued earlier runs inside the timed window.
    await new Promise((resolve) => setImmediate(resolve));
    const startWall = Date.now();
    const started = performance.now();
    const [answer, seen] = await Promise.all([deliver(ctx.sandbox, ctx.app, payload, deliveryId), watcher.until((sha) => sha === push.after, timeoutMs)]);
    if (answer.status !== 200) throw new Error(`the app answered ${answer.status} to a push delivery: ${answer.body}`);
    const ms = seen.at - started;
    return { ms, webhookMs: answer.ms, deliveryId, timeline: mirrorTimeline(startWall, { ...requests(), webhookMs: answer.ms, refMovedMs: ms }) };
  });
}

export interface Floor {
  dir: string;
  project: string;
  gitlabDir: string;
  url: string;
  setupMs: number;
}

/** A warm bare clone of the history and a GitLab project holding it, as the floor starts from. */
export async function setUpFloor(ctx: BenchContext, pair: LinkedRepo, label: string): Promise<Floor> {
  const started = performance.now();
  const project = await ctx.sandbox.gitlab.createProject({ path: `bench/floor-${label}` });
  const dir = path.join(ctx.workDir, `floor-${label}.git`);
  await ctx.git(["clone", "--bare", "--quiet", ctx.sandbox.github.cloneUrl(pair.repo), dir]);
  await ctx.git(["push", "--quiet", project.httpUrl, `${MAIN}:${MAIN}`], dir);
  return { dir, project: project.path, gitlabDir: project.bareDir, url: project.httpUrl, setupMs: performance.now() - started };
}

/** (b): `git fetch` the new commit into the warm clone, then `git push` it: two plain commands. */
export function timeFloor(ctx: BenchContext, pair: LinkedRepo, floor: Floor, sha: string, timeoutMs: number, observedVia: WatchStats): Promise<FloorRun> {
  return withWatcher(floor.gitlabDir, ctx, observedVia, async (watcher) => {
    const requests = requestMark(ctx, pair.repo, floor.project);
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
export async function timeActions(ctx: BenchContext, pair: LinkedRepo, label: string, sha: string, timeoutMs: number, observedVia: WatchStats): Promise<ActionsRun> {
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
