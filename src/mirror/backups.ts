/**
 * Backup refs: nothing the app replaces is ever gone. Before a non-fast-forward update or a
 * deletion that drops commits, the target's old tip is kept on the target as
 * `refs/mirror-backup/<heads|tags>/<name>/<UTC time>`, pushed in the same atomic push as the change
 * (push-changes.ts), so the two land together or not at all. Backup refs are outside
 * refs/heads and refs/tags: never listed, mirrored or counted as drift.
 */
import type { SimpleGit } from "simple-git";
import { MirrorError } from "../errors.js";
import type { RefChange } from "./types.js";

export const BACKUP_NAMESPACE = "refs/mirror-backup/";

const BACKUP_REF = /^refs\/mirror-backup\/(heads|tags)\/(.+)\/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** A change that drops commits from its ref (see RefChange.because) replaces something worth keeping. */
export const dropsCommits = (change: RefChange): boolean => change.because !== undefined && change.oldSha !== null;

/** e.g. refs/heads/topic at 2026-12-05 04:40:00 UTC → refs/mirror-backup/heads/topic/20261205T044000Z */
export function backupRefName(ref: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/[-:]/g, "");
  return `${BACKUP_NAMESPACE}${ref.slice("refs/".length)}/${stamp}`;
}

/** The ref a backup was taken of, and when; undefined for anything that is not a backup ref. */
export function parseBackupRef(backupRef: string): { ref: string; at: Date } | undefined {
  const match = BACKUP_REF.exec(backupRef);
  if (!match) return undefined;
  const [, kind, name, y, mo, d, h, mi, s] = match;
  return { ref: `refs/${kind}/${name}`, at: new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`) };
}

/**
 * Names a backup for every change that drops commits. Their objects must be in the cache (the
 * facts step fetched any tip the cache never saw); if one is not, the sync stops rather than
 * replace a tip it cannot keep.
 */
export async function withBackups(git: SimpleGit, changes: RefChange[], now: Date): Promise<RefChange[]> {
  const replaced = changes.filter(dropsCommits);
  if (replaced.length === 0) return changes;
  const missing = await missingObjects(
    git,
    replaced.map((c) => c.oldSha!),
  );
  const lost = replaced.find((c) => missing.has(c.oldSha!));
  if (lost) {
    throw new MirrorError("git_failed", `could not keep a backup of ${lost.ref.replace(/^refs\/(heads|tags)\//, "")} before replacing it: its commit could not be fetched`, {
      advice: "Nothing was changed. Re-run the check; if this repeats, the target may have moved meanwhile.",
      retryable: true,
    });
  }
  return changes.map((c) => (dropsCommits(c) ? { ...c, backupRef: backupRefName(c.ref, now) } : c));
}

/** Which of these object ids the cache does not have (a few at most: one per replaced ref). */
async function missingObjects(git: SimpleGit, shas: string[]): Promise<Set<string>> {
  const present = await Promise.all(
    shas.map((sha) =>
      git.raw(["cat-file", "-t", sha]).then(
        () => true,
        () => false, // "could not get object info": exactly the answer asked for
      ),
    ),
  );
  return new Set(shas.filter((_, i) => !present[i]));
}
