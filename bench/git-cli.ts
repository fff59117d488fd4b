/**
 * Plain git, as a person or a CI job would run it, for the baselines: the same isolated
 * environment the sandbox uses (no user or system config), credentials for both fakes in
 * URL-scoped `http.<url>.extraHeader` entries, exactly as mirror-bot passes its own.
 */
import { configEnv, git } from "../sandbox/git.js";
import type { Sandbox } from "../sandbox/index.js";

export type GitRunner = (args: string[], cwd?: string) => Promise<number>;

function basic(username: string, password: string): string {
  return `Authorization: Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
}

/** Runs `git args` in `cwd` and resolves with its wall time in ms; rejects with git's stderr. */
export function plainGit(sandbox: Sandbox): GitRunner {
  const env = configEnv([
    [`http.${sandbox.github.url}/.extraHeader`, basic("x-access-token", sandbox.github.userToken)],
    [`http.${sandbox.gitlab.url}/.extraHeader`, basic("oauth2", sandbox.gitlab.token)],
  ]);
  return async (args, cwd) => {
    const started = performance.now();
    await git(args, { cwd, env });
    return performance.now() - started;
  };
}
