/**
 * Which files a planned change brings to the target: for an update whose old commit the cache
 * knows, the diff old → new (what the target's tree gains); otherwise the files changed by the
 * commits the target has on no branch or tag. A pre-flight asks this (e.g. `.github/workflows`).
 */
import type { SimpleGit } from "simple-git";
import { classifyGitError } from "./classify-git-error.js";
import type { RefChange } from "./types.js";

export type ChangedPaths = (change: RefChange) => Promise<string[]>;

export function changedPathsQuery(git: SimpleGit, targetTips: string[]): ChangedPaths {
  return async (change) => {
    if (change.newSha === null) return [];
    try {
      const args =
        change.oldSha && (await hasCommit(git, change.oldSha))
          ? ["diff", "--name-only", "--no-renames", change.oldSha, change.newSha]
          : ["log", "--format=", "--name-only", "--no-renames", "--ignore-missing", change.newSha, "--not", ...new Set(targetTips)];
      const output = await git.raw(args);
      return [...new Set(output.split("\n").filter(Boolean))];
    } catch (error) {
      throw classifyGitError(error, { operation: "local" });
    }
  };
}

async function hasCommit(git: SimpleGit, sha: string): Promise<boolean> {
  return git.raw(["cat-file", "-e", `${sha}^{commit}`]).then(
    () => true,
    () => false,
  );
}
