/**
 * Installation tokens come from @octokit/auth-app's cache: Probot keeps one per installation until
 * shortly before its hour is up, so jobs do not ask GitHub for a token. A token GitHub stops
 * accepting before then (revoked: the installation was suspended, its tokens were reset) would
 * fail every request and every git fetch until it expired. Here, GitHub refusing an installation
 * token (401) gets a new one: API requests are retried once with it (`renewOn401`), and the
 * worker renews before fetching again when git was refused (`renewInstallationToken`).
 */
import type { Probot } from "probot";
import { registerSecret } from "../secrets.js";
import type { GitHubClient } from "./types.js";

/**
 * The installation's Octokit, as `app.auth(installationId)` makes it (Probot's defaults, its token
 * cache), except that auth-app asks for tokens through the app's own request, which knows GitHub's
 * address: Probot hands auth-app a request without it, so a token asked for outside a request
 * (`octokit.auth(...)` with nothing cached, or `refresh`) would go to api.github.com on GitHub
 * Enterprise and in the sandbox. A 401 renews the token (`renewOn401`).
 */
export async function installationOctokit(app: Pick<Probot, "auth">, installationId: number): Promise<GitHubClient> {
  const appOctokit = await app.auth();
  const Octokit = appOctokit.constructor as new (options: { auth: Record<string, unknown> }) => GitHubClient;
  return renewOn401(new Octokit({ auth: { installationId, request: appOctokit.request } }));
}

const renewing = new WeakSet<GitHubClient>();

/** A new installation token, replacing the cached one for every later request and job. */
export async function renewInstallationToken(octokit: GitHubClient): Promise<string> {
  const auth = (await octokit.auth({ type: "installation", refresh: true })) as { token: string; expiresAt?: string };
  registerSecret(auth.token, { expiresAt: auth.expiresAt });
  return auth.token;
}

/** Retries a request GitHub answered 401 to an installation token once, with a new token. Returns `octokit`. */
export function renewOn401(octokit: GitHubClient): GitHubClient {
  if (renewing.has(octokit)) return octokit;
  renewing.add(octokit);
  octokit.hook.error("request", async (error, options) => {
    const failed = error as { status?: number; request?: { headers?: Record<string, string> } };
    const withInstallationToken = String(failed.request?.headers?.authorization ?? "").startsWith("token ");
    const retried = (options.request as { renewedToken?: boolean } | undefined)?.renewedToken === true;
    if (failed.status !== 401 || !withInstallationToken || retried) throw error;
    octokit.log.info(`GitHub refused the installation token (401) for ${options.method} ${options.url}: renewing it`);
    await renewInstallationToken(octokit);
    return octokit.request({ ...options, request: { ...options.request, renewedToken: true } } as unknown as Parameters<GitHubClient["request"]>[0]);
  });
  return octokit;
}
