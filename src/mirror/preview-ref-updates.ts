/**
 * PURE: what a sync would do to each ref, for a plan shown before anything happens (the config
 * check run). The engine's own planner (planRefUpdates) decides, so the preview cannot drift from
 * the sync; what it cannot know without both histories (no cache, or a target tip the cache never
 * saw) is not guessed: such a ref is `undecided`, decided at sync time when the objects are fetched.
 */
import { planRefUpdates, type PlanInput } from "./plan-ref-updates.js";
import type { BlockedRef, RefChange } from "./types.js";

export type PreviewGroup =
  /** New on the target. */
  | "create"
  | "fast-forward"
  /** Moved to a commit that does not descend from the target's tip (followed rewrite, or force). */
  | "overwrite"
  | "delete"
  /** Diverged, a tag moved, a deletion that would lose commits, or a protected branch. */
  | "refuse"
  /** Fast-forward, followed rewrite or refusal: which one needs history the app does not have yet. */
  | "undecided-update"
  /** Deleted or refused (would lose commits): likewise. */
  | "undecided-delete"
  /** `both`: moved on the target alone, carried back by the other half. */
  | "defer";

export interface PreviewEntry {
  ref: string;
  group: PreviewGroup;
  /** Why, in a few words (e.g. "diverged", "protected by main", "force: true"). */
  why?: string;
}

export interface RefPreview {
  entries: PreviewEntry[];
  unchangedCount: number;
}

/**
 * `blockedBy` answers which decided changes the target would refuse anyway (protected branches;
 * see diagnostics/protected-branches.ts), as the sync's pre-flight does.
 */
export function previewRefUpdates(input: PlanInput, blockedBy: (changes: RefChange[]) => BlockedRef[] = () => []): RefPreview {
  const plan = planRefUpdates(input);
  const blocked = new Map(blockedBy(plan.changes).map((b) => [b.ref, b]));
  const entries: PreviewEntry[] = [];
  for (const change of plan.changes) {
    const block = blocked.get(change.ref);
    if (block) {
      const what =
        block.rule === "workflows"
          ? `needs the \`workflows\` permission (${block.path})`
          : block.rule === "lfs"
            ? "its Git LFS objects could not be copied"
            : `protected by \`${block.protectedBy}\``;
      entries.push({ ref: change.ref, group: "refuse", why: what });
    } else entries.push({ ref: change.ref, group: groupOf(change), ...whyOf(change) });
  }
  for (const refusal of plan.refusals) {
    // The engine refuses when a fact is unknown; at sync time it fetches the target's tip and knows.
    const unknown = refusal.reason !== "tag-moved" && refusal.targetOnly === undefined && !input.force;
    if (unknown) entries.push({ ref: refusal.ref, group: refusal.sourceSha === null ? "undecided-delete" : "undecided-update" });
    else entries.push({ ref: refusal.ref, group: "refuse", why: REFUSAL_WORDS[refusal.reason] });
  }
  for (const ref of plan.deferred ?? []) entries.push({ ref, group: "defer" });
  entries.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
  return { entries, unchangedCount: plan.unchangedCount };
}

const REFUSAL_WORDS = {
  diverged: "diverged: the target has commits the source lacks",
  "tag-moved": "tag moved: tags are only moved with `force: true`",
  "would-lose-commits": "the target has commits the source lacks",
} as const;

function groupOf(change: RefChange): PreviewGroup {
  switch (change.action) {
    case "create":
      return "create";
    case "fast-forward":
      return "fast-forward";
    case "force-update":
      return "overwrite";
    case "delete":
    case "force-delete":
      return "delete";
  }
}

function whyOf(change: RefChange): Pick<PreviewEntry, "why"> {
  if (change.because === "forced") return { why: "force: true" };
  if (change.because === "followed") return { why: change.newSha === null ? "the source deleted it" : "the source rewrote it" };
  return {};
}
