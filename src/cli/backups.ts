/**
 * `mirror-bot backups`, `backups delete` and `restore`: the backup refs a repository's mirrors
 * keep (refs/mirror-backup/*, see mirror/backups.ts), on whichever side they were taken: GitLab
 * for push mirrors, GitHub for pull mirrors, either for `both`.
 */
import { getRepository, installationToken } from "../github/repository.js";
import { listBackups, deleteBackups, restoreBackup, type RemoteSide } from "../mirror/remote-backups.js";
import { CONFIG_FILE, loadConfig } from "../worker/config-check.js";
import type { CliContext } from "./context.js";

interface NamedSide extends RemoteSide {
  /** e.g. "GitHub octo/repo" or "GitLab group/project". */
  label: string;
}

const short = (sha: string) => sha.slice(0, 7);

function age(at: Date, now: Date): string {
  const hours = Math.floor((now.getTime() - at.getTime()) / 3_600_000);
  return hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} d`;
}

/** The repository on GitHub and every GitLab project its mirrors name. */
async function sidesOf(ctx: CliContext): Promise<NamedSide[]> {
  const reading = await loadConfig(ctx.octokit, { owner: ctx.owner, repo: ctx.repo }, undefined, ctx.env.gitlabUrl);
  if (reading.kind !== "valid") throw new Error(`${ctx.owner}/${ctx.repo}: no valid ${CONFIG_FILE} on the default branch, so no mirror to look at`);
  const [repository, token] = await Promise.all([getRepository(ctx.octokit, { owner: ctx.owner, repo: ctx.repo }), installationToken(ctx.octokit)]);
  const timeoutMs = ctx.env.gitTimeoutMs;
  const sides: NamedSide[] = [
    { label: `GitHub ${ctx.owner}/${ctx.repo}`, remote: "GitHub", timeoutMs, endpoint: { url: repository.cloneUrl, username: "x-access-token", password: token } },
  ];
  for (const mirror of reading.config.mirrors) {
    const project = await ctx.gitlab.showProject(mirror.gitlab);
    if (sides.some((s) => s.endpoint.url === project.httpUrlToRepo)) continue;
    sides.push({
      label: `GitLab ${project.pathWithNamespace}`,
      remote: "GitLab",
      timeoutMs,
      endpoint: { url: project.httpUrlToRepo, username: "oauth2", password: ctx.env.gitlabToken ?? "" },
    });
  }
  return sides;
}

/** Lists every backup: ref, commit, age, side. Exit 0. */
export async function runBackupsList(ctx: CliContext, now = new Date()): Promise<number> {
  let count = 0;
  for (const side of await sidesOf(ctx)) {
    for (const backup of await listBackups(side)) {
      ctx.print(`${backup.backupRef}  ${short(backup.sha)}  ${age(backup.at, now)}  ${side.label}`);
      count++;
    }
  }
  if (count === 0) ctx.print(`${ctx.owner}/${ctx.repo}: no backup refs on either side`);
  return 0;
}

/** Deletes one backup at once, wherever it is (e.g. it keeps a secret someone force-pushed away). */
export async function runBackupsDelete(ctx: CliContext, backupRef: string): Promise<number> {
  let deleted = 0;
  for (const side of await sidesOf(ctx)) {
    const found = (await listBackups(side)).filter((b) => b.backupRef === backupRef);
    await deleteBackups(side, found);
    for (const backup of found) ctx.print(`deleted ${backup.backupRef} (${short(backup.sha)}) on ${side.label}`);
    deleted += found.length;
  }
  if (deleted > 0) return 0;
  ctx.print(`${backupRef}: no such backup ref on either side (list them with: npx mirror-bot backups ${ctx.owner}/${ctx.repo})`);
  return 1;
}

/** Puts a backup back on its branch, on the side that holds it; refuses if the branch moves meanwhile. */
export async function runRestore(ctx: CliContext, backupRef: string, now = new Date()): Promise<number> {
  for (const side of await sidesOf(ctx)) {
    if (!(await listBackups(side)).some((b) => b.backupRef === backupRef)) continue;
    const restored = await restoreBackup(side, backupRef, now);
    const name = restored.ref.replace(/^refs\/(heads|tags)\//, "");
    if (restored.oldSha === restored.newSha) {
      ctx.print(`${name} on ${side.label} is already at ${short(restored.newSha)}: nothing to do`);
      return 0;
    }
    ctx.print(`restored ${name} on ${side.label}: ${restored.oldSha ? short(restored.oldSha) : "(none)"} → ${short(restored.newSha)}`);
    if (restored.keptAs) ctx.print(`the tip it replaced is kept as ${restored.keptAs}`);
    ctx.print(`the mirror reports ${name} as diverged until the other side has this commit too (or is rewritten again)`);
    return 0;
  }
  ctx.print(`${backupRef}: no such backup ref on either side (list them with: npx mirror-bot backups ${ctx.owner}/${ctx.repo})`);
  return 1;
}
