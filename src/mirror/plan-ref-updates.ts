/**
 * PURE: what a sync should do to each ref, decided from the two sides' refs and a few precomputed
 * facts about history. Safety first: only commits that exist solely on the target block an update
 * or a deletion (see planRefUpdates), unless the user asked for force.
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

export interface PlanInput extends RefSides {
  force: boolean;
  facts: RefFacts;
  /** The commit each ref had when both sides last agreed (empty when none is known). */
  agreed: RefMap;
  /** Tips the source had before the changes this sync carries, per ref (push events' `before`). */
  befores?: ReadonlyMap<string, ReadonlySet<string>>;
  /** `direction: both`: what moved on the target alone is left for the other half (`deferred`). */
  twoWay?: boolean;
}

/**
 * The rule: a target ref may be moved to the source's tip, or deleted, when it holds nothing the
 * source did not have: it is an ancestor of the new tip, or it equals a tip the source had before
 * this change, or the tip both sides last agreed on, or it is reachable from a source branch or
 * tag. Otherwise only `force: true` overwrites it. In two-way mode what moved on the target alone
 * since the agreement is left for the other half (`deferred`): a target strictly ahead, a ref the
 * target created, rewrote or deleted while the source stayed at the agreed commit.
 */
export function planRefUpdates(input: PlanInput): MirrorResult {
  const { force, facts, agreed, befores, twoWay } = input;
  const diff = diffRefs(input);
  const changes: RefChange[] = [];
  const refusals: RefRefusal[] = [];
  const deferred: string[] = [];
  /** The target's tip is the source's own past (a `before`, or the agreed commit). */
  const sourceHadTip = (ref: string, targetSha: string) => befores?.get(ref)?.has(targetSha) === true || agreed.get(ref) === targetSha;
  /** Only the target moved since the sides agreed: the other half carries that back. */
  const targetAloneMoved = (ref: string, sourceSha: string | null) => twoWay === true && agreed.get(ref) === (sourceSha ?? undefined);

  for (const { ref, sourceSha } of diff.creates) {
    if (twoWay && input.prune && agreed.get(ref) === sourceSha)
      deferred.push(ref); // deleted on the target
    else changes.push({ ref, action: "create", oldSha: null, newSha: sourceSha });
  }
  for (const { ref, sourceSha, targetSha } of diff.updates) {
    if (facts.isAncestor(targetSha, sourceSha) === true) {
      changes.push({ ref, action: "fast-forward", oldSha: targetSha, newSha: sourceSha });
    } else if (twoWay && (facts.divergence(targetSha, sourceSha)?.sourceOnly === 0 || targetAloneMoved(ref, sourceSha))) {
      deferred.push(ref); // the target is ahead, or rewrote it: the other half brings that to the source
    } else if (sourceHadTip(ref, targetSha) || facts.isReachableFromSource(targetSha)) {
      changes.push({ ref, action: "force-update", oldSha: targetSha, newSha: sourceSha, because: "followed" });
    } else if (force) {
      changes.push({ ref, action: "force-update", oldSha: targetSha, newSha: sourceSha, because: "forced" });
    } else {
      refusals.push({ ref, reason: "diverged", sourceSha, targetSha, ...facts.divergence(targetSha, sourceSha) });
    }
  }
  // A tag names a release; moving it is never routine, even if the new commit descends from the old.
  for (const { ref, sourceSha, targetSha } of diff.tagMoves) {
    if (force) changes.push({ ref, action: "force-update", oldSha: targetSha, newSha: sourceSha, because: "forced" });
    else refusals.push({ ref, reason: "tag-moved", sourceSha, targetSha });
  }
  for (const { ref, targetSha } of diff.deletions) {
    const followed = sourceHadTip(ref, targetSha);
    if (twoWay && !followed) {
      deferred.push(ref); // created or moved on the target since the sides last agreed
    } else if (facts.isReachableFromSource(targetSha)) {
      changes.push({ ref, action: "delete", oldSha: targetSha, newSha: null });
    } else if (followed) {
      changes.push({ ref, action: "delete", oldSha: targetSha, newSha: null, because: "followed" });
    } else if (force) {
      changes.push({ ref, action: "force-delete", oldSha: targetSha, newSha: null, because: "forced" });
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
  return twoWay ? { ...result, deferred: deferred.sort() } : result;
}
