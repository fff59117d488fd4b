/**
 * Async git for the sandbox: every call spawns `git` with an isolated environment (no user or
 * system config, no prompts), so the fakes behave the same on every machine. Never sync: the
 * same process serves HTTP, and a blocking spawn there would deadlock a git client talking to us.
 */
import { spawn } from "node:child_process";

export const ZERO_SHA = "0000000000000000000000000000000000000000";

export class GitCommandError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`git ${args.join(" ")} failed (${code}): ${stderr.trim() || stdout.trim()}`);
    this.name = "GitCommandError";
  }
}

export interface GitOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string | Buffer;
  /** Keep stdout as bytes (file contents may be binary). */
  binary?: boolean;
}

/** The environment every sandbox git process starts from: nothing from the host leaks in. */
export function isolatedGitEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "",
    LANG: "C",
    LC_ALL: "C",
    ...extra,
  };
}

export function git(args: string[], options: GitOptions & { binary: true }): Promise<Buffer>;
export function git(args: string[], options?: GitOptions): Promise<string>;
export function git(args: string[], options: GitOptions = {}): Promise<string | Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd: options.cwd,
      env: isolatedGitEnv(options.env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    child.stdin.on("error", () => undefined); // git may exit before reading all input
    child.stdin.end(options.input);
    child.on("close", (code) => {
      const stdout = Buffer.concat(out);
      if (code === 0) resolve(options.binary ? stdout : stdout.toString("utf8"));
      else reject(new GitCommandError(args, code, stdout.toString("utf8"), Buffer.concat(err).toString("utf8")));
    });
  });
}

/** `git init --bare` with the given default branch (HEAD points at it before any commit). */
export async function initBare(dir: string, defaultBranch: string): Promise<void> {
  await git(["init", "--quiet", "--bare", `--initial-branch=${defaultBranch}`, dir]);
}

/** Every ref of a repository (branches and tags, not HEAD) → sha. */
export async function listRefs(gitDir: string): Promise<Map<string, string>> {
  const out = await git(["for-each-ref", "--format=%(refname) %(objectname)"], { cwd: gitDir });
  const refs = new Map<string, string>();
  for (const line of out.split("\n")) {
    const space = line.indexOf(" ");
    if (space > 0) refs.set(line.slice(0, space), line.slice(space + 1));
  }
  return refs;
}

/** The commit sha a ref or sha names, or null when it names no commit. */
export async function resolveCommit(gitDir: string, ref: string): Promise<string | null> {
  try {
    const out = await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: gitDir });
    return out.trim() || null;
  } catch {
    return null;
  }
}

/**
 * A deterministic clock for sandbox commits: the same sequence of commits gives the same shas
 * on every run, which keeps fixtures and benchmark output comparable.
 */
export class CommitClock {
  #next = Date.UTC(2024, 0, 1) / 1000;

  /** The next commit time, in seconds since the epoch. */
  tick(): number {
    return this.#next++;
  }

  /** Author and committer identity plus the next timestamp, as git environment variables. */
  env(name = "Sandbox Developer", email = "developer@sandbox.test"): Record<string, string> {
    const date = `${this.tick()} +0000`;
    return {
      GIT_AUTHOR_NAME: name,
      GIT_AUTHOR_EMAIL: email,
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_NAME: name,
      GIT_COMMITTER_EMAIL: email,
      GIT_COMMITTER_DATE: date,
    };
  }
}

/** Git config entries passed through the environment, so credentials never sit in a URL or on disk. */
export function configEnv(entries: Array<[string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/** An `http.extraHeader` that authenticates git over HTTP with Basic credentials. */
export function basicAuthConfig(username: string, password: string): [string, string] {
  const encoded = Buffer.from(`${username}:${password}`).toString("base64");
  return ["http.extraHeader", `Authorization: Basic ${encoded}`];
}
