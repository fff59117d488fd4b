/**
 * Commits without a working tree: one `git fast-import` process writes any number of commits
 * (files set or deleted per commit) onto a ref. Seeding a 100k-commit history this way takes
 * seconds, where a checkout-edit-commit loop would take hours.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { git, GitCommandError, isolatedGitEnv } from "./git.js";

export interface NewCommit {
  message: string;
  /** Path → new content, or null to delete the path. */
  files?: Record<string, string | null>;
  author: { name: string; email: string };
  /** Seconds since the epoch, for both author and committer. */
  time: number;
}

/** C-style quoting, which fast-import accepts for any path. */
function quotePath(path: string): string {
  return `"${path.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t")}"`;
}

function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

/**
 * Writes `commits` in order onto `ref` (created or overwritten), the first one on top of
 * `parent` (or as a root commit). Returns the new commit shas, oldest first (only the last one
 * with `lastOnly`).
 */
export async function writeCommits(
  gitDir: string,
  { ref, parent, commits, lastOnly = false }: { ref: string; parent?: string; commits: NewCommit[]; lastOnly?: boolean },
): Promise<string[]> {
  if (commits.length === 0) return [];
  // A root commit needs the ref reset first, or fast-import would continue an existing branch.
  const parts: string[] = ["feature done\n", parent ? "" : `reset ${ref}\n\n`];
  commits.forEach((commit, i) => {
    const ident = `${commit.author.name} <${commit.author.email}> ${commit.time} +0000`;
    parts.push(`commit ${ref}\nmark :${i + 1}\nauthor ${ident}\ncommitter ${ident}\n${data(commit.message)}`);
    if (i === 0 && parent) parts.push(`from ${parent}\n`);
    for (const [path, content] of Object.entries(commit.files ?? {})) {
      parts.push(content === null ? `D ${quotePath(path)}\n` : `M 100644 inline ${quotePath(path)}\n${data(content)}`);
    }
    parts.push("\n");
  });
  // get-mark prints a new commit's sha on stdout; `lastOnly` skips the rest for huge histories.
  commits.forEach((_, i) => {
    if (!lastOnly || i === commits.length - 1) parts.push(`get-mark :${i + 1}\n`);
  });
  parts.push("done\n");
  const out = await git(["fast-import", "--quiet", "--force", "--done"], { cwd: gitDir, input: parts.join("") });
  return out.split("\n").filter((line) => /^[0-9a-f]{40}$/.test(line));
}

/**
 * Streams fast-import commands (without `feature done` / `done`, which are added) into one
 * `git fast-import` process, waiting whenever its input pipe is full, so a history of gigabytes
 * never sits in memory. Resolves with what fast-import printed (get-mark answers).
 */
export async function importStream(gitDir: string, commands: Iterable<string>): Promise<string> {
  const args = ["fast-import", "--quiet", "--force", "--done"];
  // fast-import allocates and frees a buffer per blob; glibc then trims and regrows the heap
  // (brk) every time, which made a 1k-commit history take 12 s instead of 1 s here. Padding the
  // heap's top stops the churn.
  const env = isolatedGitEnv({ MALLOC_TOP_PAD_: String(64 * 1024 * 1024) });
  const child = spawn("git", args, { cwd: gitDir, env, stdio: ["pipe", "pipe", "pipe"] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  let failed = false;
  child.stdin.on("error", () => (failed = true)); // fast-import stopped early: its stderr says why
  const write = async (text: string) => {
    if (!failed && !child.stdin.write(text)) await Promise.race([once(child.stdin, "drain"), closed]);
  };
  // Small commands are batched: one pipe write per ~64 KB rather than one per command.
  let pending = "";
  await write("feature done\n");
  for (const command of commands) {
    pending += command;
    if (pending.length >= 65_536) {
      await write(pending);
      pending = "";
    }
    if (failed) break;
  }
  await write(pending + "done\n");
  child.stdin.end();
  const code = await closed;
  const stdout = Buffer.concat(out).toString("utf8");
  if (code !== 0) throw new GitCommandError(args, code, stdout, Buffer.concat(err).toString("utf8"));
  return stdout;
}
