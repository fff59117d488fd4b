/** Answers about history for the pure planner's tables, without git. */
import type { RefFacts } from "../../src/mirror/plan-ref-updates.js";

/**
 * `ancestors`: "old>new" pairs known to be ancestors (anything else is unknown); `reachable`: tips
 * a source branch or tag still holds; `counts`: "target>source" (or "target>" for a deletion) →
 * [commits only on the source, commits only on the target].
 */
export function facts({ ancestors = [] as string[], reachable = [] as string[], counts = {} as Record<string, [sourceOnly: number, targetOnly: number]> } = {}): RefFacts {
  return {
    isAncestor: (oldSha, newSha) => (ancestors.includes(`${oldSha}>${newSha}`) ? true : undefined),
    isReachableFromSource: (sha) => reachable.includes(sha),
    divergence: (targetSha, sourceSha) => {
      const c = counts[`${targetSha}>${sourceSha ?? ""}`];
      return c && { sourceOnly: c[0], targetOnly: c[1] };
    },
  };
}
