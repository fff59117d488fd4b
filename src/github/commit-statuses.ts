/** Commit statuses as GitHub shows them now, and the app's own identity: what check results are compared with. */
import type { GitHubClient, RepoRef } from "./types.js";

export interface CurrentCommitStatus {
  id: number;
  state: string;
  context: string;
  description: string | null;
  targetUrl: string | null;
}

/**
 * The newest status of one context on a commit (GET /repos/{owner}/{repo}/commits/{ref}/status
 * lists the latest per context; `statuses: read`), or null when the commit has none of it.
 */
export async function currentCommitStatus(octokit: GitHubClient, { owner, repo }: RepoRef, sha: string, context: string): Promise<CurrentCommitStatus | null> {
  // One page of 100 contexts covers real commits; GitHub caps a commit at 1,000 statuses per context anyway.
  const { data } = await octokit.rest.repos.getCombinedStatusForRef({ owner, repo, ref: sha, per_page: 100 });
  const status = data.statuses.find((s) => s.context === context);
  return status ? { id: status.id, state: status.state, context: status.context, description: status.description ?? null, targetUrl: status.target_url ?? null } : null;
}

/** The app's id, from its own credentials (the JWT's issuer, no API call); read once, again after a failure. */
export function ownAppId(appOctokit: () => Promise<GitHubClient>): () => Promise<number> {
  let id: Promise<number> | undefined;
  const read = async () => {
    const auth = (await (await appOctokit()).auth({ type: "app" })) as { appId?: number | string };
    const value = Number(auth.appId);
    if (!Number.isSafeInteger(value) || value <= 0) throw new Error("the app's credentials carry no app id");
    return value;
  };
  return () => (id ??= read().catch((error: unknown) => ((id = undefined), Promise.reject(error))));
}
