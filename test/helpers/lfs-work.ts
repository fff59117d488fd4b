/**
 * A developer's working clone with the real `git lfs` client: files matching tracked patterns
 * are committed as pointers and uploaded through the server's batch API on push, and a clone
 * checks them out by downloading them. Credentials as git gets them in the app: a Basic header in
 * `http.extraHeader` from the environment (git-lfs reads git's config, environment included).
 */
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export class LfsWorkClone {
  private constructor(
    readonly dir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Clones `url` (LFS files are downloaded at checkout) into `dir`. */
  static async clone(url: string, token: string, dir: string): Promise<LfsWorkClone> {
    await mkdir(path.dirname(dir), { recursive: true });
    const env = lfsEnv(token);
    await run("git", ["clone", "--quiet", url, dir], { env, maxBuffer: 16 * 1024 * 1024 });
    const clone = new LfsWorkClone(dir, env);
    await clone.git("lfs", "install", "--local"); // the pre-push hook that uploads
    await clone.git("config", "user.name", "Sandbox Developer");
    await clone.git("config", "user.email", "developer@sandbox.test");
    return clone;
  }

  git(...args: string[]): Promise<string> {
    return run("git", args, { cwd: this.dir, env: this.env, maxBuffer: 16 * 1024 * 1024 }).then((r) => r.stdout);
  }

  /** Writes files, `git lfs track`s the patterns, commits everything on the current branch. */
  async commit(message: string, files: Record<string, string | Buffer>, { track = ["*.bin"] }: { track?: string[] } = {}): Promise<string> {
    for (const pattern of track) await this.git("lfs", "track", pattern);
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(this.dir, name)), { recursive: true });
      await writeFile(path.join(this.dir, name), content);
    }
    await this.git("add", "--all");
    await this.git("commit", "--quiet", "-m", message);
    return (await this.git("rev-parse", "HEAD")).trim();
  }

  /** `git push` (the pre-push hook of git lfs uploads the objects first). */
  push(...refspecs: string[]): Promise<string> {
    return this.git("push", "--quiet", "origin", ...refspecs);
  }
}

/** git and git-lfs with nothing from the machine's config, and the token as a Basic header. */
export function lfsEnv(token: string): NodeJS.ProcessEnv {
  const header = `Authorization: Basic ${Buffer.from(`developer:${token}`).toString("base64")}`;
  return {
    PATH: process.env.PATH,
    HOME: "/nonexistent",
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_COUNT: "6",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: header,
    // `git lfs install` would write these to ~/.gitconfig; here they come from the environment.
    GIT_CONFIG_KEY_1: "filter.lfs.clean",
    GIT_CONFIG_VALUE_1: "git-lfs clean -- %f",
    GIT_CONFIG_KEY_2: "filter.lfs.smudge",
    GIT_CONFIG_VALUE_2: "git-lfs smudge -- %f",
    GIT_CONFIG_KEY_3: "filter.lfs.process",
    GIT_CONFIG_VALUE_3: "git-lfs filter-process",
    GIT_CONFIG_KEY_4: "filter.lfs.required",
    GIT_CONFIG_VALUE_4: "true",
    GIT_CONFIG_KEY_5: "credential.helper",
    GIT_CONFIG_VALUE_5: "",
  };
}
