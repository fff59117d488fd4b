/**
 * The Git LFS step of a sync, between the plan and the push, whichever way the mirror goes: the
 * pointers the pushed commits carry are found in the cache (lfs-pointers.ts), their objects copied
 * from the source's LFS server to the target's (src/lfs/), and a change whose objects could not be
 * copied is taken out of the push (the others still go) and reported with the objects and why.
 * A sync whose commits hold no pointer makes no LFS request at all.
 */
import { copyLfsObjects } from "../lfs/copy-objects.js";
import { LfsCache } from "../lfs/lfs-cache.js";
import { findLfsPointers } from "./lfs-pointers.js";
import type { BlockedRef, GitEndpoint, LfsOptions, LfsSummary, RefChange, RemoteName } from "./types.js";

/** MIRROR_LFS_CACHE_MB's default, for requests that do not say. */
export const DEFAULT_LFS_OPTIONS: LfsOptions = { enabled: true, cacheBytes: 2048 * 1024 * 1024 };

export interface LfsStepInput {
  cacheDir: string;
  changes: RefChange[];
  /** Every tip the target has: their commits' objects are there already. */
  targetTips: string[];
  source: GitEndpoint;
  target: GitEndpoint;
  names: { source: RemoteName; target: RemoteName };
  options: LfsOptions;
  timeoutMs: number;
  /** The changes carry every branch and tag of the cache (see findLfsPointers). */
  everyRef: boolean;
}

export async function carryLfsObjects(input: LfsStepInput): Promise<{ blocked: BlockedRef[]; summary?: LfsSummary }> {
  const { cacheDir, changes, targetTips, options, timeoutMs } = input;
  const pointers = await findLfsPointers(cacheDir, changes, targetTips, timeoutMs, { everyRef: input.everyRef });
  if (pointers.length === 0) return { blocked: [] };
  if (!options.enabled) return { blocked: [], summary: { copied: 0, bytes: 0, notCopied: pointers.length } };

  const cache = new LfsCache(cacheDir, options.cacheBytes);
  const copied = await copyLfsObjects({
    objects: pointers,
    source: { ...input.source, name: input.names.source },
    target: { ...input.target, name: input.names.target },
    cache,
    idleTimeoutMs: timeoutMs,
    onProgress: options.onProgress,
  });
  await cache.prune(new Set(copied.failed.keys()));
  const summary = { copied: copied.copied.length, bytes: copied.bytes };
  if (copied.failed.size === 0) return { blocked: [], summary };

  // Which refs need the objects that did not make it, and at which paths (only when some failed).
  const blocked: BlockedRef[] = [];
  for (const change of changes) {
    if (change.newSha === null) continue;
    const own = await findLfsPointers(cacheDir, [change], targetTips, timeoutMs);
    const missing = own.filter((p) => copied.failed.has(p.oid));
    if (missing.length === 0) continue;
    const failure = copied.failed.get(missing[0]!.oid)!;
    blocked.push({ ...change, rule: "lfs", cause: failure.cause, objects: missing, ...(failure.message ? { serviceMessage: failure.message } : {}) });
  }
  return { blocked, summary };
}
