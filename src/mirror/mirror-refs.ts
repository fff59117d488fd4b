/**
 * One sync of a GitHub repository to GitLab: refresh the cache from the source while listing the
 * target (concurrently: latency stays near the floor of one fetch plus one push; a push's sync
 * recalls the target as its last sync left it instead, see lastSynced), compare, ask git
 * the few history questions the plan needs, plan purely, then apply everything in one leased push.
 * A new cache is cloned rather than fetched into: clone trusts the self-contained pack it indexed,
 * where fetch walks every object of the history again to check connectivity.
 */
import { access, mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import type { SimpleGit } from "simple-git";
import { MirrorError } from "../errors.js";
import { changedPathsQuery } from "./changed-paths.js";
import { classifyGitError } from "./classify-git-error.js";
import { createGit } from "./git.js";
import { readProgress, type SyncProgress } from "./git-progress.js";
import { parseForEachRef, parseLsRemote } from "./git-output.js";
import { diffRefs, planRefUpdates } from "./plan-ref-updates.js";
import { pushChanges } from "./push-changes.js";
import { gatherRefFacts } from "./ref-facts.js";
import { nextAgreedRefs, refsAfter } from "./agreed-refs.js";
import { withBackups } from "./backups.js";
import { readRefs } from "./read-refs.js";
import { carryLfsObjects, DEFAULT_LFS_OPTIONS } from "./lfs-step.js";
import type { AdvertisedRefs, FetchedSource, MirrorRequest, MirrorResult, RefChange, RefMap, RemoteName } from "./types.js";

export type { GitEndpoint, MirrorRequest, MirrorResult, RefChange, RefRefusal } from "./types.js";

/**
 * The target's branches and tags as this process's last sync of a cache to it left them (by cache
 * and target URL): a listing, with that sync's own pushes applied. A push's sync plans against them
 * instead of listing the target. Every ref the push changes carries a lease on the value planned
 * from, so a target that moved since is never overwritten: the push is refused whole, and the sync
 * lists the target and plans again.
 */
const lastSynced = new Map<string, KnownTarget>();

interface KnownTarget {
  refs: AdvertisedRefs;
  /** When the listing these refs come from was made (Date.now()). */
  listedAt: number;
}

/**
 * How old a listing may be and still be planned from. Leases make any age safe for the refs a push
 * changes; the bound is for the refs it does not: a branch someone changed on the target is
 * reported (as diverged, say) by the first sync that lists it, at most this long after.
 */
export const TARGET_MEMORY_MS = 5 * 60_000;

export async function mirrorRefs(req: MirrorRequest): Promise<MirrorResult> {
  const { git, fresh } = await openCache(req);
  const names = req.sides ?? { source: "GitHub", target: "GitLab" };
  const progress = req.onProgress !== undefined;
  if (req.onProgress) watchProgress(git, req.onProgress);
  // Taken out of memory: only a sync that ends well puts the target's refs back.
  const remembered = recallTarget(req);

  const [fetched, listed, agreed] = await Promise.allSettled([
    (req.prefetched ?? Promise.resolve(undefined)).then(
      (done) => done ?? (fresh ? cloneSource(git, req.cacheDir, req.source.url, names.source, progress) : fetchSource(git, req.cacheDir, req.source.url, names.source, progress)),
    ),
    remembered ?? listTargetNow(git, req.target.url, names.target),
    req.agreed.load(),
  ]);
  // All settle first, so no git process is still writing to the cache when an error is thrown.
  if (fetched.status === "rejected") throw fetched.reason;
  if (listed.status === "rejected") throw listed.reason;
  if (agreed.status === "rejected") throw recordError(agreed.reason, "read");
  const sync = ({ refs, listedAt }: KnownTarget) => planAndPush({ req, git, names, progress, fetched: fetched.value, agreed: agreed.value, target: refs, listedAt });
  try {
    return await sync(listed.value);
  } catch (error) {
    // Planned from memory, and the target moved since: list it, and plan again from what it has.
    if (!remembered || !(error instanceof MirrorError) || error.code !== "lease_lost") throw error;
    return sync(await listTargetNow(git, req.target.url, names.target));
  }
}

interface PlanInputs {
  req: MirrorRequest;
  git: SimpleGit;
  names: { source: RemoteName; target: RemoteName };
  progress: boolean;
  fetched: FetchedSource;
  agreed: Map<string, string>;
  target: AdvertisedRefs;
  /** When `target` was listed (see KnownTarget). */
  listedAt: number;
}

/** Plans from the two sides' refs, carries the LFS objects, pushes, and records what both sides now agree on. */
async function planAndPush({ req, git, names, progress, fetched, agreed, target, listedAt }: PlanInputs): Promise<MirrorResult> {
  const source = fetched.after;
  const sides = { source, target: target.refs, includeRef: req.includeRef, prune: req.prune };
  const facts = await gatherRefFacts({
    git,
    diff: diffRefs(sides),
    targetPeeled: target.peeled,
    targetUrl: req.target.url,
    // What the fetch fast-forwarded from a tip the target still has needs no question to git.
    knownAncestor: (ref, targetSha) => fetched.fastForwardOnly && fetched.before.get(ref) === targetSha,
  });
  const result = planRefUpdates({ ...sides, force: req.force, facts, agreed, befores: req.befores, twoWay: req.twoWay });

  // Pre-flight: what the target would refuse anyway stays out of the atomic push, so the rest goes through.
  const blocked =
    req.screenChanges && result.changes.length > 0 ? await req.screenChanges(result.changes, { changedPaths: changedPathsQuery(git, [...target.refs.values()]) }) : [];
  if (blocked.length > 0) {
    const skipped = new Set(blocked.map((b) => b.ref));
    result.changes = result.changes.filter((c) => !skipped.has(c.ref));
    result.blocked = blocked;
  }
  // Git LFS objects before the push: a ref whose objects could not be copied stays out of it.
  if (result.changes.length > 0) {
    const pushed = new Map(result.changes.map((c) => [c.ref, c.newSha]));
    const lfs = await carryLfsObjects({
      cacheDir: req.cacheDir,
      changes: result.changes,
      targetTips: [...target.refs.values()],
      source: req.source,
      target: req.target,
      names,
      options: req.lfs ?? DEFAULT_LFS_OPTIONS,
      timeoutMs: req.timeoutMs,
      everyRef: [...source].every(([ref, sha]) => pushed.get(ref) === sha),
    });
    if (lfs.summary) result.lfs = lfs.summary;
    if (lfs.blocked.length > 0) {
      const skipped = new Set(lfs.blocked.map((b) => b.ref));
      result.changes = result.changes.filter((c) => !skipped.has(c.ref));
      result.blocked = [...(result.blocked ?? []), ...lfs.blocked];
    }
  }
  if (req.backups) result.changes = await withBackups(git, result.changes, (req.backups.now ?? (() => new Date()))());
  if (result.changes.length > 0) {
    await pushChanges(git, req.target.url, result.changes, names.target, { progress }).catch((error: unknown) => {
      throw req.lfs?.enabled === false ? withLfsOffAdvice(error) : error;
    });
  }
  if (req.listInSync) {
    const inSync = nextAgreedRefs({ agreed: new Map(), source, target: target.refs, changes: result.changes, includeRef: req.includeRef });
    result.inSync = Object.fromEntries(inSync);
  }
  const next = nextAgreedRefs({ agreed, source, target: target.refs, changes: result.changes, includeRef: req.includeRef });
  await req.agreed.save(next).catch((error) => {
    throw recordError(error, "record");
  });
  rememberTarget(req, { refs: afterPush(target, result.changes), listedAt });
  return result;
}

/** GitLab refused pointers whose objects it lacks, and this mirror was told not to copy them. */
function withLfsOffAdvice(error: unknown): unknown {
  if (!(error instanceof MirrorError) || error.code !== "lfs_objects_missing") return error;
  return new MirrorError(error.code, error.userMessage, {
    cause: error,
    advice:
      "This mirror has `lfs: false`, so its Git LFS objects were not copied, and the target refuses pointers to objects it does not have. Remove `lfs: false` from `.mirror.yml` so mirror-bot copies them before pushing.",
  });
}

const recordError = (cause: unknown, what: "read" | "record") =>
  new MirrorError("internal", `mirror-bot could not ${what} the commits both sides last agreed on`, { cause, advice: "Re-run the check; nothing was pushed if reading failed." });

/** The target's refs from memory, if this process synced this cache to this URL from a listing younger than TARGET_MEMORY_MS; forgotten either way. */
function recallTarget(req: MirrorRequest): KnownTarget | undefined {
  const key = memoryKey(req);
  const memory = lastSynced.get(key);
  lastSynced.delete(key);
  if (req.targetMemory !== "use" || !memory) return undefined;
  return Date.now() - memory.listedAt < TARGET_MEMORY_MS ? memory : undefined;
}

let lastSweep = 0;

function rememberTarget(req: MirrorRequest, known: KnownTarget): void {
  if (req.targetMemory === undefined) return; // a sync that would never plan from it
  lastSynced.set(memoryKey(req), known);
  // Now and then, what is too old to be used is dropped, so memory holds only recent targets.
  const now = Date.now();
  if (now - lastSweep < 60_000) return;
  lastSweep = now;
  for (const [key, memory] of lastSynced) if (now - memory.listedAt >= TARGET_MEMORY_MS) lastSynced.delete(key);
}

/** Mirrors of one repository share its cache; each target has its own memory. */
const memoryKey = (req: MirrorRequest) => `${req.cacheDir}\n${req.target.url}`;

/** The target's branches and tags once `changes` are pushed (a moved tag's peeled commit is left out: the tag object is judged instead). */
function afterPush(target: AdvertisedRefs, changes: RefChange[]): AdvertisedRefs {
  const peeled = new Map(target.peeled);
  for (const change of changes) peeled.delete(change.ref);
  return { refs: refsAfter(target.refs, changes), peeled };
}

export type PrefetchRequest = Pick<MirrorRequest, "cacheDir" | "source" | "timeoutMs" | "sides"> & {
  /** Called once the fetch's git process is running (not at all when there is no cache to fetch into). */
  onStarted?: () => void;
};

/**
 * Starts refreshing an existing cache from the source before the rest of the sync is known (the
 * target is resolved through an API meanwhile). Resolves to undefined when there is no cache yet:
 * a first sync is a clone, which only a sync that knows it has work to do should start.
 */
export async function prefetchSource(req: PrefetchRequest): Promise<FetchedSource | undefined> {
  const exists = await access(path.join(req.cacheDir, "HEAD")).then(
    () => true,
    () => false,
  );
  if (!exists || !path.isAbsolute(req.cacheDir)) return undefined;
  const git = createGit(req.cacheDir, { timeoutMs: req.timeoutMs, credentials: [req.source] });
  // simple-git calls its output handler as soon as it has started a process.
  if (req.onStarted) git.outputHandler(() => req.onStarted!());
  return fetchSource(git, req.cacheDir, req.source.url, req.sides?.source ?? "GitHub");
}

/**
 * The bare cache repository. `fresh`: there is none yet and its directory is empty, so the first
 * fetch is a clone (cloneSource); otherwise it is created here if missing (`git init --bare`).
 */
async function openCache(req: MirrorRequest): Promise<{ git: SimpleGit; fresh: boolean }> {
  if (!path.isAbsolute(req.cacheDir)) throw new MirrorError("internal", "mirror-bot was given a relative cache directory");
  await mkdir(req.cacheDir, { recursive: true });
  const git = createGit(req.cacheDir, { timeoutMs: req.timeoutMs, credentials: [req.source, req.target] });
  const exists = await access(path.join(req.cacheDir, "HEAD")).then(
    () => true,
    () => false,
  );
  if (exists) return { git, fresh: false };
  if ((await readdir(req.cacheDir)).length === 0) return { git, fresh: true };
  await git.raw(["init", "--bare"]).catch((error) => {
    throw classifyGitError(error, { operation: "local" });
  });
  return { git, fresh: false };
}

/**
 * The first copy of the source: `git clone --bare` takes the same branches and tags as fetchSource
 * but indexes the pack as self-contained and connected, so no second walk of every object follows
 * (on a large history that walk is a tenth of the whole sync). The URL clone writes into the config
 * is removed: only the sync names remotes, per command. A failed clone leaves the directory empty.
 */
async function cloneSource(git: SimpleGit, cacheDir: string, url: string, remote: RemoteName, progress: boolean): Promise<FetchedSource> {
  try {
    await git.raw(["clone", "--bare", ...(progress ? ["--progress"] : ["--quiet"]), url, cacheDir]);
    await git.raw(["config", "--remove-section", "remote.origin"]);
  } catch (error) {
    throw classifyGitError(error, { operation: "fetch", remote });
  }
  return { before: new Map(), after: await cacheRefs(git, cacheDir), fastForwardOnly: true };
}

/** Streams the `--progress` lines of this cache's fetch, clone and push into `onProgress` (git-progress.ts). */
function watchProgress(git: SimpleGit, onProgress: (progress: SyncProgress) => void): void {
  let progress: SyncProgress = {};
  git.outputHandler((_command, _stdout, stderr, args) => {
    if (!["fetch", "clone", "push"].includes(args[0] ?? "")) return;
    let partial = ""; // a line may arrive in two chunks
    stderr.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString("utf8")).split(/[\r\n]/);
      partial = lines.pop() ?? "";
      const next = readProgress(progress, lines.join("\n"));
      if (next === progress) return;
      progress = next;
      onProgress(progress);
    });
  });
}

/**
 * Makes the cache's branches and tags exactly the source's (pruned): the cache is a copy, never a
 * judge; safety is decided against the target, not here. The fetch is first tried without forcing,
 * which succeeds whenever every branch moved forward (nearly always): then each ref's old tip is an
 * ancestor of its new one, and the plan need not ask git. A force-pushed branch or a moved tag is
 * refused by that fetch, and a forced one follows.
 */
async function fetchSource(git: SimpleGit, cacheDir: string, url: string, remote: RemoteName, progress = false): Promise<FetchedSource> {
  const before = await cacheRefs(git, cacheDir);
  // --verbose, not --quiet: simple-git waits an extra 50 ms for a process that prints nothing.
  const fetch = (force: "+" | "") =>
    git.raw([
      "fetch",
      "--prune",
      "--no-tags",
      "--no-write-fetch-head",
      "--verbose",
      ...(progress ? ["--progress"] : []),
      url,
      `${force}refs/heads/*:refs/heads/*`,
      `${force}refs/tags/*:refs/tags/*`,
    ]);
  let fastForwardOnly: boolean;
  try {
    fastForwardOnly = await fetch("").then(
      () => true,
      (error: Error) => {
        if (REJECTED_UPDATE.test(error.message)) return false;
        throw error;
      },
    );
    if (!fastForwardOnly) await fetch("+");
  } catch (error) {
    throw classifyGitError(error, { operation: "fetch", remote });
  }
  return { before, after: await cacheRefs(git, cacheDir), fastForwardOnly };
}

const REJECTED_UPDATE = /\[rejected\].*\((non-fast-forward|would clobber existing tag|already exists)\)/;

/** Only branches and tags are asked for (GitLab also holds merge-request, pipeline and keep-around refs). */
async function listTarget(git: SimpleGit, url: string, remote: RemoteName): Promise<AdvertisedRefs> {
  try {
    return parseLsRemote(await git.raw(["ls-remote", "--heads", "--tags", url]));
  } catch (error) {
    throw classifyGitError(error, { operation: "ls-remote", remote });
  }
}

/** A listing, with when it was made. */
async function listTargetNow(git: SimpleGit, url: string, remote: RemoteName): Promise<KnownTarget> {
  const listedAt = Date.now();
  return { refs: await listTarget(git, url, remote), listedAt };
}

/** From the ref files when it can (read-refs.ts), else from git. */
async function cacheRefs(git: SimpleGit, cacheDir: string): Promise<RefMap> {
  const fromFiles = await readRefs(cacheDir);
  if (fromFiles) return fromFiles;
  try {
    return parseForEachRef(await git.raw(["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/tags"]));
  } catch (error) {
    throw classifyGitError(error, { operation: "local" });
  }
}
