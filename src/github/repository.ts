/** Repository facts and files, read with the installation's token. */
import { MirrorError } from "../errors.js";
import { registerSecret } from "../secrets.js";
import type { GitHubClient, RepoRef } from "./types.js";

export interface RepositoryInfo {
  defaultBranch: string;
  cloneUrl: string;
  htmlUrl: string;
  private: boolean;
  visibility: "public" | "private" | "internal";
}

export async function getRepository(octokit: GitHubClient, { owner, repo }: RepoRef): Promise<RepositoryInfo> {
  const { data } = await octokit.rest.repos.get({ owner, repo });
  return repositoryInfo(data);
}

function repositoryInfo(data: { default_branch: string; clone_url: string; html_url: string; private: boolean; visibility?: string }): RepositoryInfo {
  return {
    defaultBranch: data.default_branch,
    cloneUrl: data.clone_url,
    htmlUrl: data.html_url,
    private: data.private,
    visibility: (data.visibility as RepositoryInfo["visibility"] | undefined) ?? (data.private ? "private" : "public"),
  };
}

/**
 * A conditional GET (`If-None-Match`): GitHub answers 304, at no cost to the rate limit, when
 * the resource still has this ETag. Octokit reports a 304 as an error with that status.
 */
export type Conditional<T> = { notModified: true } | ({ notModified: false; etag?: string } & T);

async function ifChanged<T>(etag: string | undefined, request: (headers: Record<string, string>) => Promise<{ headers: { etag?: string } } & T>): Promise<Conditional<T>> {
  try {
    const response = await request(etag ? { "if-none-match": etag } : {});
    return { notModified: false, ...response, ...(response.headers.etag ? { etag: response.headers.etag } : {}) };
  } catch (error) {
    if (etag && (error as { status?: number }).status === 304) return { notModified: true };
    throw error;
  }
}

/** The repository's facts, or `notModified` when they still have `etag` (see Conditional). */
export async function getRepositoryIfChanged(octokit: GitHubClient, { owner, repo }: RepoRef, etag?: string): Promise<Conditional<{ info: RepositoryInfo }>> {
  const read = await ifChanged(etag, async (headers) => {
    const { data, headers: answered } = await octokit.rest.repos.get({ owner, repo, headers });
    return { headers: answered, data };
  });
  if (read.notModified) return read;
  return { notModified: false, info: repositoryInfo(read.data), ...(read.etag ? { etag: read.etag } : {}) };
}

/** A file's text at `ref` (default: the default branch), or null when the file or ref does not exist. */
export async function readFile(octokit: GitHubClient, repo: RepoRef, path: string, ref?: string): Promise<string | null> {
  const read = await readFileIfChanged(octokit, repo, path, undefined, ref);
  return read.notModified ? null : read.text;
}

/**
 * A file's text (null: no such file or ref), or `notModified` when it still has `etag` (see
 * Conditional). A missing file has no ETag: asking again costs a request.
 */
export async function readFileIfChanged(octokit: GitHubClient, { owner, repo }: RepoRef, path: string, etag?: string, ref?: string): Promise<Conditional<{ text: string | null }>> {
  try {
    const read = await ifChanged(etag, async (headers) => {
      const { data, headers: answered } = await octokit.rest.repos.getContent({ owner, repo, path, ...(ref ? { ref } : {}), headers });
      return { headers: answered, data };
    });
    if (read.notModified) return read;
    const { data } = read;
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) {
      throw new MirrorError("config_invalid", `${path} is not a file`, {
        advice: `Make \`${path}\` a regular file at the root of the repository.`,
      });
    }
    return { notModified: false, text: Buffer.from(data.content, "base64").toString("utf8"), ...(read.etag ? { etag: read.etag } : {}) };
  } catch (error) {
    if ((error as { status?: number }).status === 404) return { notModified: false, text: null };
    throw error;
  }
}

/**
 * The installation token, for git over HTTPS. Short-lived (an hour); Probot caches and renews it.
 * Every function here that hands out a token registers it for redaction until it expires, so
 * the callers need not (and the registry forgets the token once it is useless).
 */
export async function installationToken(octokit: GitHubClient): Promise<string> {
  const auth = (await octokit.auth({ type: "installation" })) as { token: string; expiresAt?: string };
  registerSecret(auth.token, { expiresAt: auth.expiresAt });
  return auth.token;
}

/**
 * The installation token with the permissions GitHub issued it with (cached together by
 * @octokit/auth-app for up to an hour; empty or absent when the server did not list them).
 */
export async function installationAuth(octokit: GitHubClient): Promise<{ token: string; permissions?: Record<string, string> }> {
  const auth = (await octokit.auth({ type: "installation" })) as { token: string; expiresAt?: string; permissions?: Record<string, string> };
  registerSecret(auth.token, { expiresAt: auth.expiresAt });
  return { token: auth.token, ...(auth.permissions ? { permissions: auth.permissions } : {}) };
}

/** What the installation is granted now (`GET /app/installations/{id}`, signed as the app by auth-app). */
export async function currentInstallationPermissions(octokit: GitHubClient, installationId: number): Promise<Record<string, string>> {
  const { data } = await octokit.rest.apps.getInstallation({ installation_id: installationId });
  return data.permissions as Record<string, string>;
}

/** A new installation token, carrying the installation's current permissions. */
export async function newInstallationToken(octokit: GitHubClient, installationId: number): Promise<{ token: string; permissions?: Record<string, string> }> {
  const { data } = await octokit.rest.apps.createInstallationAccessToken({ installation_id: installationId });
  registerSecret(data.token, { expiresAt: data.expires_at });
  return { token: data.token, ...(data.permissions ? { permissions: data.permissions as Record<string, string> } : {}) };
}

/** The commit at the tip of the default branch (for reports that have no pushed commit). */
export async function defaultBranchHead(octokit: GitHubClient, { owner, repo }: RepoRef, branch: string): Promise<string> {
  const { data } = await octokit.rest.repos.getBranch({ owner, repo, branch });
  return data.commit.sha;
}
