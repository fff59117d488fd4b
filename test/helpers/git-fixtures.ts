/**
 * Real repositories for integration tests, driven by plain git in child processes. Always async:
 * a synchronous child would block the event loop that serves the HTTP git server in this process.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

// Fixtures must not depend on the developer's git config or identity.
const FIXTURE_ENV = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: os.tmpdir(),
  LC_ALL: "C",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Fixture",
  GIT_AUTHOR_EMAIL: "fixture@example.com",
  GIT_COMMITTER_NAME: "Fixture",
  GIT_COMMITTER_EMAIL: "fixture@example.com",
};

/** Runs git and returns trimmed stdout. `-c init.defaultBranch=main` so every repo starts on main. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("git", ["-c", "init.defaultBranch=main", ...args], { cwd, env: FIXTURE_ENV, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

export async function makeTempDir(prefix = "mirror-bot-"): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** `<root>/<repoPath>.git`, bare, as git http-backend expects. */
export async function createBareRepo(root: string, repoPath: string): Promise<string> {
  const dir = path.join(root, `${repoPath}.git`);
  await mkdir(dir, { recursive: true });
  await git(dir, "init", "--bare", "--quiet");
  return dir;
}

export async function createWorkRepo(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await git(dir, "init", "--quiet");
  return dir;
}

let counter = 0;

/** Commits a new file on the current branch (or on `branch`, created from HEAD) and returns its sha. */
export async function commit(workDir: string, message: string, branch?: string): Promise<string> {
  if (branch) await git(workDir, "checkout", "--quiet", "-B", branch);
  const file = `file-${++counter}.txt`;
  await writeFile(path.join(workDir, file), `${message}\n`);
  await git(workDir, "add", file);
  await git(workDir, "commit", "--quiet", "-m", message);
  return git(workDir, "rev-parse", "HEAD");
}

/** Force-pushes refspecs to a bare repository on disk (the fixture's way to shape either side). */
export async function pushTo(workDir: string, bareDir: string, ...refspecs: string[]): Promise<void> {
  await git(workDir, "push", "--quiet", "--force", bareDir, ...refspecs);
}

/** All refs of a repository, ref → object id. */
export async function refsOf(repoDir: string, ...patterns: string[]): Promise<Map<string, string>> {
  const out = await git(repoDir, "for-each-ref", "--format=%(objectname) %(refname)", ...patterns);
  return new Map(
    out
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [sha, ref] = line.split(" ");
        return [ref!, sha!] as [string, string];
      }),
  );
}

/** Objects in a repository, loose and packed: grows by exactly the new objects on an incremental fetch. */
export async function objectCount(repoDir: string): Promise<number> {
  const out = await git(repoDir, "count-objects", "-v");
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(out)?.[1] ?? 0);
  return field("count") + field("in-pack");
}

/** Every file under `dir` that contains any of `needles` (bytes, so binary packs are scanned too). */
export async function filesContaining(dir: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    const content = await readFile(file);
    if (needles.some((needle) => content.includes(needle))) hits.push(file);
  }
  return hits;
}

/** Installs an executable hook script in a bare repository. */
export async function installHook(bareDir: string, name: string, script: string): Promise<void> {
  await writeFile(path.join(bareDir, "hooks", name), script, { mode: 0o755 });
}
