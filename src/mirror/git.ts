/**
 * The one way mirror-bot runs git. Every process gets an environment built from nothing:
 * no inherited config, hooks, prompts, helpers or transports beyond http(s), and credentials only
 * as an Authorization header scoped to the endpoint's URL. Tokens therefore never appear in argv
 * (visible in `ps`), in a URL, or in any file git writes.
 */
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { registerSecret } from "../secrets.js";
import { MirrorError } from "../errors.js";
import type { GitEndpoint } from "./types.js";

export interface GitOptions {
  /** Per git process; the app's one default is MIRROR_GIT_TIMEOUT_MS's (env.ts). */
  timeoutMs: number;
  /** Endpoints git may authenticate to; each header is sent to its own URL and nowhere else. */
  credentials: GitEndpoint[];
}

/** A simple-git bound to one repository directory (also used as GIT_DIR, so git never searches upward). */
export function createGit(dir: string, { timeoutMs, credentials }: GitOptions): SimpleGit {
  const git = simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: 8, // fetch and ls-remote run together, then one fact query per changed ref
    trimmed: false,
    // stdOut/stdErr false: the timer is not reset by output, so timeoutMs bounds the whole process.
    timeout: { block: timeoutMs, stdOut: false, stdErr: false },
    // simple-git blocks these settings because callers could smuggle them in; here only this
    // module writes them, to lock git down. argv stays checked (no --upload-pack, no -c).
    unsafe: {
      allowUnsafeAskPass: true,
      allowUnsafeConfigEnvCount: true,
      allowUnsafeConfigPaths: true,
      allowUnsafeCredentialHelper: true,
      allowUnsafeHooksPath: true,
      allowUnsafeProtocolOverride: true,
    },
  });
  return git.env(gitEnvironment(dir, credentials));
}

export function gitEnvironment(dir: string, credentials: GitEndpoint[]): Record<string, string> {
  const config: [string, string][] = [
    ["core.hooksPath", "/dev/null"],
    ["credential.helper", ""],
    ["protocol.allow", "never"],
    ["protocol.http.allow", "always"],
    ["protocol.https.allow", "always"],
    // A redirect could carry the Authorization header to another host.
    ["http.followRedirects", "false"],
    ...credentials.map((endpoint): [string, string] => [`http.${checkedUrl(endpoint.url)}.extraHeader`, authHeader(endpoint)]),
  ];
  const env: Record<string, string> = {
    PATH: minimalPath(),
    HOME: "/nonexistent", // no ~/.gitconfig, ~/.netrc or ~/.git-credentials can take part
    LC_ALL: "C", // git's messages in English: classify-git-error matches them
    GIT_DIR: dir,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false",
    SSH_ASKPASS: "/bin/false",
    GCM_INTERACTIVE: "never",
    GIT_CONFIG_COUNT: String(config.length),
    ...proxyEnvironment(),
  };
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

function authHeader(endpoint: GitEndpoint): string {
  return `Authorization: ${basicAuthorization(endpoint)}`;
}

/** `Basic <base64>` for an endpoint, as git sends it (and Git LFS requests, src/lfs/). */
export function basicAuthorization({ username, password }: GitEndpoint): string {
  const basic = Buffer.from(`${username}:${password}`).toString("base64");
  // Whoever obtained the password registered it for as long as it works (github/repository.ts,
  // the GitLab token at boot); one that was not is hidden for an hour from its last use here.
  registerSecret(password, { expiresAt: undefined });
  registerSecret(basic, { expiresAt: undefined });
  return `Basic ${basic}`;
}

/** Only plain http(s) URLs without credentials, query or fragment may become a config key. */
export function checkedUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MirrorError("internal", "mirror-bot was given a malformed git URL");
  }
  const plain = (url.protocol === "https:" || url.protocol === "http:") && !url.username && !url.password;
  if (!plain || url.search || url.hash || /\s/.test(raw)) {
    throw new MirrorError("internal", "mirror-bot was given a git URL it will not use (credentials, query or unknown scheme)");
  }
  return raw;
}

/** Network plumbing an operator may need, passed from the app's environment to git; it carries no git behaviour. */
export const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];

function proxyEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of PROXY_VARIABLES) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

let cachedPath: string | undefined;

/** The directory holding the git we would have run anyway, plus the system basics. */
function minimalPath(): string {
  if (cachedPath) return cachedPath;
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  const gitDir = dirs.find((dir) => {
    try {
      accessSync(path.join(dir, "git"), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  cachedPath = [...new Set([gitDir, "/usr/bin", "/bin"].filter((d): d is string => !!d))].join(path.delimiter);
  return cachedPath;
}
