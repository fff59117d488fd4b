/**
 * Pre-flight of the GitLab → GitHub direction: GitHub refuses a push that creates or updates a
 * file under `.github/workflows/` unless the GitHub App has `workflows: write`, and refuses the
 * whole atomic push with it. Such refs are taken out of the plan beforehand and reported with
 * the fix; every other ref is still mirrored. When the permissions cannot be read, nothing is
 * skipped: GitHub's refusal is then classified (classify-git-error.ts) and reported.
 */
import type { Logger } from "pino";
import type { BlockedRef, RefChange } from "../mirror/types.js";

export const WORKFLOWS_DIR = ".github/workflows/";

/** GitHub App permissions as GitHub lists them, e.g. `{ contents: "write", workflows: "write" }`. */
export type AppPermissions = Record<string, string | undefined>;

/** PURE: the first workflow file among the paths a change brings, if any. */
export function workflowPath(paths: string[]): string | undefined {
  return paths.find((p) => p.startsWith(WORKFLOWS_DIR));
}

/** PURE: whether pushes may change workflows; undefined when the permissions are unknown. */
export function canWriteWorkflows(permissions: AppPermissions | null | undefined): boolean | undefined {
  if (!permissions || Object.keys(permissions).length === 0) return undefined; // not listed: unknown
  return permissions.workflows === "write";
}

/** PURE: the changes GitHub would refuse, given the files each brings (ref → paths). */
export function blockedByWorkflows(changes: RefChange[], paths: Map<string, string[]>, permissions: AppPermissions | null | undefined): BlockedRef[] {
  if (canWriteWorkflows(permissions) !== false) return [];
  const blocked: BlockedRef[] = [];
  for (const change of changes) {
    const path = change.newSha === null ? undefined : workflowPath(paths.get(change.ref) ?? []);
    if (path) blocked.push({ ...change, rule: "workflows", path });
  }
  return blocked;
}

/**
 * Asks the cache which files each change brings, and the permissions only when one brings a
 * workflow. `permissions` resolving to null (or failing) means unknown: nothing is skipped.
 */
export async function screenWorkflowsPermission(
  changes: RefChange[],
  cache: { changedPaths: (change: RefChange) => Promise<string[]> },
  permissions: () => Promise<AppPermissions | null>,
  log?: Pick<Logger, "debug">,
): Promise<BlockedRef[]> {
  const pushed = changes.filter((c) => c.newSha !== null);
  const paths = new Map(await Promise.all(pushed.map(async (c): Promise<[string, string[]]> => [c.ref, await cache.changedPaths(c)])));
  if (![...paths.values()].some((p) => workflowPath(p))) return [];
  const granted = await permissions().catch((error: unknown) => {
    log?.debug({ err: error }, "could not read the app's permissions: GitHub will say if it refuses the workflow change");
    return null;
  });
  return blockedByWorkflows(pushed, paths, granted);
}

/** The check run title and GitLab status line for a blocked workflow change. */
export function workflowsBlockedTitle(ref: string): string {
  return `${ref.replace(/^refs\/(heads|tags)\//, "")} changes .github/workflows: the app lacks the workflows permission`;
}

export const WORKFLOWS_FIX =
  "An org owner accepts or grants the `workflows: write` permission for the mirror-bot app (**Settings → GitHub Apps → mirror-bot → Permissions**), then press **Sync now**; or keep workflow changes out of GitLab commits.";
