/**
 * Pre-flight of the push direction: a planned force-update or deletion of a branch GitLab
 * protects would make GitLab refuse the whole atomic push. Such refs are taken out of the plan
 * beforehand and reported with the fix; every other ref is still mirrored.
 */
import type { Logger } from "pino";
import type { GitLabClient, GitLabProtectedBranch } from "../gitlab/client.js";
import type { BlockedRef, RefChange } from "../mirror/types.js";

const BRANCH = "refs/heads/";

/** GitLab's wildcard protection (`release/*`): `*` matches any run of characters, `/` included. */
export function matchesProtection(branch: string, pattern: string): boolean {
  if (!pattern.includes("*")) return branch === pattern;
  const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`).test(branch);
}

/** Only these actions can be refused by protection alone (a fast-forward is a plain push). */
const needsCheck = (c: RefChange) => c.ref.startsWith(BRANCH) && (c.action === "force-update" || c.action === "delete" || c.action === "force-delete");

/**
 * PURE: the planned changes GitLab's protected branches would refuse. A deletion is refused for a
 * protected branch whatever its settings (GitLab deletes protected branches only in its web UI);
 * a force-update unless a matching rule allows force push (GitLab: any matching rule allowing it).
 */
export function blockedByProtection(changes: RefChange[], rules: GitLabProtectedBranch[]): BlockedRef[] {
  const blocked: BlockedRef[] = [];
  for (const change of changes.filter(needsCheck)) {
    const branch = change.ref.slice(BRANCH.length);
    const matching = rules.filter((r) => matchesProtection(branch, r.name));
    if (matching.length === 0) continue;
    const deleting = change.newSha === null;
    if (!deleting && matching.some((r) => r.allowForcePush)) continue;
    blocked.push({ ...change, rule: deleting ? "delete" : "force-push", protectedBy: matching[0]!.name });
  }
  return blocked;
}

/**
 * Asks GitLab (cached by the client) only when the plan holds something protection could refuse.
 * If GitLab will not list the rules, nothing is skipped: the push itself then says what refused it.
 */
export async function screenProtectedBranches(
  gitlab: Pick<GitLabClient, "protectedBranches">,
  projectId: number,
  changes: RefChange[],
  log?: Pick<Logger, "debug">,
): Promise<BlockedRef[]> {
  if (!gitlab.protectedBranches || !changes.some(needsCheck)) return [];
  const rules = await gitlab.protectedBranches(projectId).catch((error) => {
    log?.debug({ err: error, projectId }, "could not list protected branches: the push will say what GitLab refuses");
    return null;
  });
  return rules ? blockedByProtection(changes, rules) : [];
}
