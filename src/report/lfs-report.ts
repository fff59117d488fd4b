/**
 * PURE rendering of a sync's Git LFS work for both directions' check runs: how much was copied
 * (for the title), the warning of `lfs: false`, and for a ref left out because its objects could
 * not be copied, which objects (the first 10, with sizes), the service's own words, and the fix.
 */
import type { BlockedRef, LfsCause, LfsSummary, RemoteName } from "../mirror/types.js";
import { plural, shortRef } from "./format.js";

export type LfsBlocked = Extract<BlockedRef, { rule: "lfs" }>;
const SHOWN_OBJECTS = 10;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}

/** ` and 12 LFS objects (340 MB)`, or nothing when none were copied. */
export function lfsTitlePart(summary: LfsSummary | undefined): string {
  if (!summary || summary.copied === 0) return "";
  return ` and ${summary.copied} LFS object${summary.copied === 1 ? "" : "s"} (${formatBytes(summary.bytes)})`;
}

/** `lfs: false` and the pushed commits hold pointers: their files are not on the target. */
export function lfsNotCopiedWarning(summary: LfsSummary | undefined, target: RemoteName): string | undefined {
  if (!summary?.notCopied) return undefined;
  return [
    `⚠️ **Git LFS objects were not copied** (\`lfs: false\`): the pushed commits point to ${plural(summary.notCopied, "LFS object")} that ${target} may not have, so a checkout from ${target} can fail to download those files.`,
    `Remove \`lfs: false\` from this mirror in \`.mirror.yml\` to copy them.`,
  ].join(" ");
}

export function isLfsBlocked(blocked: BlockedRef): blocked is LfsBlocked {
  return blocked.rule === "lfs";
}

export function lfsBlockedTitle(blocked: LfsBlocked, names: { source: RemoteName; target: RemoteName }): string {
  const name = shortRef(blocked.ref);
  switch (blocked.cause) {
    case "missing-on-source":
      return `${name} not mirrored: its LFS objects are missing on ${names.source}`;
    case "target-limit":
      return `${name} not mirrored: ${names.target} refused its LFS objects (size limit or quota)`;
    case "lfs-disabled":
      return `${name} not mirrored: Git LFS is disabled on ${names.target}`;
  }
}

export function lfsBlockedAdvice(blocked: LfsBlocked, names: { source: RemoteName; target: RemoteName }): string {
  const name = shortRef(blocked.ref);
  const listed = blocked.objects.slice(0, SHOWN_OBJECTS).map((o) => `- \`${o.path || "(unknown path)"}\` (${formatBytes(o.size)}, \`${o.oid.slice(0, 12)}\`)`);
  const more = blocked.objects.length > SHOWN_OBJECTS ? [`- … and ${blocked.objects.length - SHOWN_OBJECTS} more`] : [];
  const quoted = blocked.serviceMessage ? [`${blocked.cause === "missing-on-source" ? names.source : names.target} said:`, "", `> ${blocked.serviceMessage}`] : [];
  return [
    `**\`${name}\` was not pushed: ${plural(blocked.objects.length, "Git LFS object")} its commits point to could not be copied to ${names.target}.** The other refs were mirrored.`,
    "",
    ...listed,
    ...more,
    "",
    ...quoted,
    ...(quoted.length ? [""] : []),
    fix(blocked.cause, names),
  ].join("\n");
}

function fix(cause: LfsCause, { source, target }: { source: RemoteName; target: RemoteName }): string {
  switch (cause) {
    case "missing-on-source":
      return `${source}'s LFS server does not have these objects (they were never uploaded, or were deleted). From a clone that has the files, run \`git lfs push --all origin\` to upload them to ${source}, then press **Sync now**.`;
    case "target-limit":
      return target === "GitLab"
        ? "Raise the project's storage or size limit (GitLab: **Settings → Usage quotas**, or an administrator's repository size limit), or remove the files from the branch, then press **Sync now**."
        : "GitHub takes LFS files of at most 2 GB (Free and Pro plans; more on Enterprise) within the account's LFS storage and bandwidth; buy data packs under **Settings → Billing**, or remove the files from the branch, then press **Sync now**.";
    case "lfs-disabled":
      return target === "GitLab"
        ? "Enable Git LFS for the project: **Settings → General → Visibility, project features, permissions → Git Large File Storage (LFS)**, or through the API (`PUT /projects/:id` with `lfs_enabled=true`); on a self-managed instance an administrator may have to turn LFS on first. Then press **Sync now**."
        : "GitHub has disabled Git LFS for this repository (usually because the account is over its LFS quota or billing is locked). The owner can check **Settings → Billing → Git LFS**, or ask GitHub Support; then press **Sync now**.";
  }
}
