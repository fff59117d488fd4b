/**
 * PURE: what a sync should do to each ref, decided from the two sides' refs and a few precomputed
 * facts about history. Safety first: nothing on the target is overwritten or deleted unless it is
 * a fast-forward, the commits it holds are still on the source, or the user asked for force.
 */
import { isSafeRefName } from "./ref-names.js";
import type { MirrorResult, RefChange, RefMap, RefRefusal } from "./types.js";

/** Answers about history, computed by git beforehand so planning does no I/O. */
export interface RefFacts {
  /** Is `oldSha` an ancestor of (or equal to) `newSha`? undefined = unknown, treated as "no". */
  isAncestor(oldSha: string, newSha: string): boolean | undefined;
  /** Is the commit `sha` contained in some source branch or tag? */
  isReachableFromSource(sha: string): boolean;
  /** Commits only on either side, when known (target-only history may not be local). */
  divergence(targetSha: string, sourceSha: string | null): { sourceOnly: number; targetOnly: number } | undefined;
}

export interface RefSides {
  source: RefMap;
  target: RefMap;
  includeRef: (fullRef: string) => boolean;
  prune: boolean;
}

export type RefPair = { ref: string; sourceSha: string; targetSha: string };

/** The refs that differ, sorted by kind; which facts are needed follows from this. */
export interface RefDiff {
  creates: { ref: string; sourceSha: string }[];
  /** Branches present on both sides at different commits. */
  updates: RefPair[];
  /** Tags present on both sides at different objects. */
  tagMoves: RefPair[];
  /** On the target only, and prune is on. */
  deletions: { ref: string; targetSha: string }[];
  unchangedCount: number;
}

const isTag = (ref: string) => ref.startsWith("refs/tags/");

export function diffRefs({ source, target, includeRef, prune }: RefSides): RefDiff {
  const diff: RefDiff = { creates: [], updates: [], tagMoves: [], deletions: [], unchangedCount: 0 };
  const names = [...new Set([...source.keys(), ...target.keys()])].sort();
  for (const ref of names) {
    // Unsafe names are checked first so the user's filter never sees them.
    if (!isSafeRefName(ref) || !includeRef(ref)) continue;
    const sourceSha = source.get(ref);
    const targetSha = target.get(ref);
    if (sourceSha === undefined) {
      if (prune && targetSha !== undefined) diff.deletions.push({ ref, targetSha });
    } else if (targetSha === undefined) diff.creates.push({ ref, sourceSha });
    else if (sourceSha === targetSha) diff.unchangedCount++;
    else (isTag(ref) ? diff.tagMoves : diff.updates).push({ ref, sourceSha, targetSha });
  }
  return diff;
}

/**
 * `synced` (two-way mode only): the last commit each ref had when both sides agreed. With it, what
 * changed on the target side alone is left for the other half of the sync (`deferred`) instead of
 * being refused or deleted: a target strictly ahead, a ref created on the target, and a ref the
 * target deleted (source still at the agreed commit, so nothing new would be lost).
 */
export function planRefUpdates(input: RefSides & { force: boolean; facts: RefFacts; synced?: RefMap }): MirrorResult {
  const { force, facts, synced } = input;
  const diff = diffRefs(input);
  const changes: RefChange[] = [];
  const refusals: RefRefusal[] = [];
  const deferred: string[] = [];

  for (const { ref, sourceSha } of diff.creates) {
    if (synced && input.prune && synced.get(ref) === sourceSha) deferred.push(ref); // deleted on the target
    else changes.push({ ref, action: "create", oldSha: null, newSha: sourceSha });
  }
  for (const { ref, sourceSha, targetSha } of diff.updates) {
    if (facts.isAncestor(targetSha, sourceSha) === true) {
      changes.push({ ref, action: "fast-forward", oldSha: targetSha, newSha: sourceSha });
    } else if (synced && facts.divergence(targetSha, sourceSha)?.sourceOnly === 0) {
      deferred.push(ref); // the target is strictly ahead: the other half fast-forwards the source
    } else if (force) {
      changes.push({ ref, action: "force-update", oldSha: targetSha, newSha: sourceSha });
    } else {
      refusals.push({ ref, reason: "diverged", sourceSha, targetSha, ...facts.divergence(targetSha, sourceSha) });
    }
  }
  // A tag names a release; moving it is never routine, even if the new commit descends from the old.
  for (const { ref, sourceSha, targetSha } of diff.tagMoves) {
    if (force) changes.push({ ref, action: "force-update", oldSha: targetSha, newSha: sourceSha });
    else refusals.push({ ref, reason: "tag-moved", sourceSha, targetSha });
  }
  for (const { ref, targetSha } of diff.deletions) {
    if (synced && synced.get(ref) !== targetSha) {
      deferred.push(ref); // created or moved on the target since the sides last agreed
    } else if (facts.isReachableFromSource(targetSha)) {
      changes.push({ ref, action: "delete", oldSha: targetSha, newSha: null });
    } else if (force) {
      changes.push({ ref, action: "force-delete", oldSha: targetSha, newSha: null });
    } else {
      const counts = facts.divergence(targetSha, null);
      refusals.push({
        ref,
        reason: "would-lose-commits",
        sourceSha: null,
        targetSha,
        ...(counts && { targetOnly: counts.targetOnly }),
      });
    }
  }

  const byRef = (a: { ref: string }, b: { ref: string }) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);
  const result: MirrorResult = { changes: changes.sort(byRef), refusals: refusals.sort(byRef), unchangedCount: diff.unchangedCount };
  return synced ? { ...result, deferred: deferred.sort() } : result;
}
