/**
 * Backup refs on a remote, for the CLI and reconciliation: list them, delete them (one at once,
 * or those past the retention period), and restore one onto its branch. Every write is a leased
 * atomic push (push-changes.ts); a restore keeps the tip it replaces as a backup too. Runs in a
 * throwaway bare repository, never in a sync's cache, so it cannot race a running job.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { SimpleGit } from "simple-git";
import { MirrorError } from "../errors.js";
import { BACKUP_NAMESPACE, backupRefName, parseBackupRef } from "./backups.js";
import { classifyGitError } from "./classify-git-error.js";
import { createGit } from "./git.js";
import { parseLsRemote } from "./git-output.js";
import { pushChanges } from "./push-changes.js";
import type { GitEndpoint, RefChange, RemoteName } from "./types.js";

export interface RemoteBackup {
  /** refs/mirror-backup/heads/topic/20261205T044000Z */
  backupRef: string;
  sha: string;
  /** The branch or tag it was taken of, e.g. refs/heads/topic. */
  ref: string;
  at: Date;
}

export interface RemoteSide {
  endpoint: GitEndpoint;
  remote: RemoteName;
  timeoutMs: number;
}

export async function listBackups(side: RemoteSide): Promise<RemoteBackup[]> {
  return backupsAmong(await lsRemote(side, [`${BACKUP_NAMESPACE}*`]));
}

/** PURE: the backup refs among listed refs, oldest first. */
function backupsAmong(refs: Map<string, string>): RemoteBackup[] {
  const backups: RemoteBackup[] = [];
  for (const [backupRef, sha] of refs) {
    const parsed = parseBackupRef(backupRef);
    if (parsed) backups.push({ backupRef, sha, ...parsed });
  }
  return backups.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.backupRef < b.backupRef ? -1 : 1));
}

/** Deletes these backups in one leased push (each must still be at the listed commit). */
export async function deleteBackups(side: RemoteSide, backups: Pick<RemoteBackup, "backupRef" | "sha">[]): Promise<void> {
  if (backups.length === 0) return;
  const changes: RefChange[] = backups.map((b) => ({ ref: b.backupRef, action: "delete", oldSha: b.sha, newSha: null }));
  await inScratchRepository(side, (git) => pushChanges(git, side.endpoint.url, changes, side.remote));
}

/** Backups older than `cutoff`, deleted; returns them. */
/** Deletes the backups older than `cutoff`; `listed`: the side's backup refs, already listed (reconciliation's ls-remote). */
export async function pruneBackups(side: RemoteSide, cutoff: Date, listed?: Map<string, string>): Promise<RemoteBackup[]> {
  const expired = (listed ? backupsAmong(listed) : await listBackups(side)).filter((b) => b.at < cutoff);
  await deleteBackups(side, expired);
  return expired;
}

export interface Restored {
  ref: string;
  /** The branch's tip before the restore (null: the branch did not exist). */
  oldSha: string | null;
  newSha: string;
  /** Where that tip is kept now. */
  keptAs: string | null;
}

/**
 * Puts a backup back on its branch. The branch is leased at the tip just listed, so a push made
 * meanwhile makes the restore fail (lease_lost) instead of being overwritten.
 */
export async function restoreBackup(side: RemoteSide, backupRef: string, now: Date): Promise<Restored> {
  const parsed = parseBackupRef(backupRef);
  if (!parsed) throw new MirrorError("invalid_ref", `${backupRef} is not a backup ref (refs/mirror-backup/<heads|tags>/<name>/<time>)`);
  const refs = await lsRemote(side, [backupRef, parsed.ref]);
  const sha = refs.get(backupRef);
  if (!sha) throw new MirrorError("invalid_ref", `${backupRef} does not exist on ${side.remote}`, { advice: "List the backups with `npx mirror-bot backups <owner>/<repo>`." });
  const current = refs.get(parsed.ref) ?? null;
  if (current === sha) return { ref: parsed.ref, oldSha: current, newSha: sha, keptAs: null };
  const change: RefChange = current
    ? { ref: parsed.ref, action: "force-update", oldSha: current, newSha: sha, because: "forced", backupRef: backupRefName(parsed.ref, now) }
    : { ref: parsed.ref, action: "create", oldSha: null, newSha: sha };
  await inScratchRepository(side, async (git) => {
    // The objects are on the remote already; the push only needs the commit itself, so one level suffices.
    const wanted = [`${backupRef}:refs/mirror-bot/restore`, ...(current ? [`${parsed.ref}:refs/mirror-bot/current`] : [])];
    await git.raw(["fetch", "--depth=1", "--no-tags", "--no-write-fetch-head", "--verbose", side.endpoint.url, ...wanted]).catch((error) => {
      throw classifyGitError(error, { operation: "fetch", remote: side.remote });
    });
    await pushChanges(git, side.endpoint.url, [change], side.remote);
  });
  return { ref: parsed.ref, oldSha: current, newSha: sha, keptAs: change.backupRef ?? null };
}

async function lsRemote(side: RemoteSide, patterns: string[]): Promise<Map<string, string>> {
  const git = createGit(os.tmpdir(), { timeoutMs: side.timeoutMs, credentials: [side.endpoint] });
  try {
    return parseLsRemote(await git.raw(["ls-remote", side.endpoint.url, ...patterns])).refs;
  } catch (error) {
    throw classifyGitError(error, { operation: "ls-remote", remote: side.remote });
  }
}

async function inScratchRepository<T>(side: RemoteSide, use: (git: SimpleGit) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mirror-bot-backups-"));
  try {
    const git = createGit(dir, { timeoutMs: side.timeoutMs, credentials: [side.endpoint] });
    await git.raw(["init", "--bare", "--quiet"]).catch((error) => {
      throw classifyGitError(error, { operation: "local" });
    });
    return await use(git);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
