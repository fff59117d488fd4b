/** PURE helpers over status records, shared by the stores, the page and the JSON API. */
import type { MirrorStatusRecord } from "./types.js";

/** Which mirrors a view shows: `?show=failing|lagging`, anything else is all. */
export type StatusFilter = "all" | "failing" | "lagging";

export function parseFilter(value: string | null | undefined): StatusFilter {
  return value === "failing" || value === "lagging" ? value : "all";
}

export function isFailing(record: MirrorStatusRecord): boolean {
  return record.lastResult === "failure";
}

export function isLagging(record: MirrorStatusRecord): boolean {
  return record.lagRefs > 0;
}

export function filterRecords(records: readonly MirrorStatusRecord[], filter: StatusFilter): MirrorStatusRecord[] {
  if (filter === "failing") return records.filter(isFailing);
  if (filter === "lagging") return records.filter(isLagging);
  return [...records];
}

/**
 * One mirror = one repository and one target. GitHub and GitLab names are case-insensitive, so a
 * rename that only changes case updates the same record instead of adding a second one.
 */
export function recordKey(record: Pick<MirrorStatusRecord, "owner" | "repo" | "target">): string {
  return [record.owner, record.repo, record.target].map((part) => encodeURIComponent(part.toLowerCase())).join("/");
}

/** The prefix of every record key of one repository (whatever its targets). */
export function repositoryKeyPrefix(owner: string, repo: string): string {
  return `${[owner, repo].map((part) => encodeURIComponent(part.toLowerCase())).join("/")}/`;
}

/** Stable order for every view: installation, then repository, then target. */
export function compareRecords(a: MirrorStatusRecord, b: MirrorStatusRecord): number {
  return a.installationId - b.installationId || recordKey(a).localeCompare(recordKey(b));
}

export function totalLagRefs(records: readonly MirrorStatusRecord[]): number {
  return records.reduce((sum, record) => sum + Math.max(0, record.lagRefs), 0);
}
