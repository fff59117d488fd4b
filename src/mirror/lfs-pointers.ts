/**
 * The Git LFS pointers a sync carries: blobs of the commits it pushes that the target does not
 * already have (each ref's new commits; for a new ref, the commits no target tip contains), read
 * by content. Pointer content is what `.gitattributes`' `filter=lfs` puts in git, so this finds
 * every file so tracked, and pointers committed without the attribute too.
 *
 * Cheap when there is nothing to find: one `git rev-list` listing only blobs small enough to be a
 * pointer (git filters the rest), and one `git cat-file --batch` reading those few blobs, started
 * alongside the listing so its start-up is not on the sync's path (a few ms per process). A first
 * sync of every ref to an empty target pushes everything the cache holds, so there the cache's
 * object list is read instead of walking the whole history (a 100,000-commit repository: one pass over the pack
 * index instead of a traversal that takes seconds); the paths are then looked up only for reports.
 */
import { spawn } from "node:child_process";
import { MirrorError } from "../errors.js";
import { gitEnvironment } from "./git.js";
import type { LfsPointer, RefChange } from "./types.js";

/** git-lfs reads blobs under 1024 bytes as possible pointers (its blobSizeCutoff). */
const POINTER_MAX_BYTES = 1024;
/** The shortest pointer: the version line (43), the oid line (76) and `size 0` (7). */
const POINTER_MIN_BYTES = 126;
const POINTER =
  /^version https:\/\/(?:git-lfs\.github\.com\/spec\/v1|hawser\.github\.com\/spec\/v1)\n(?:[a-z0-9.-]+ [^\n]*\n)*?oid sha256:([0-9a-f]{64})\n(?:[a-z0-9.-]+ [^\n]*\n)*?size (\d+)\n/;

/** Parses an LFS pointer file; null when the text is not one. */
export function parseLfsPointer(text: string): { oid: string; size: number } | null {
  const match = POINTER.exec(text);
  if (!match) return null;
  const size = Number(match[2]);
  return Number.isSafeInteger(size) ? { oid: match[1]!, size } : null;
}

/**
 * The pointers the commits of `changes` bring that `targetTips` do not already contain, each
 * object once (with the first path it was seen at).
 */
export async function findLfsPointers(
  cacheDir: string,
  changes: RefChange[],
  targetTips: string[],
  timeoutMs: number,
  /**
   * `everyRef`: the changes carry every branch and tag the cache holds, so on a first sync every
   * object in the cache is pushed and its object list can be read instead of walking the history.
   * Without it (or with the target not empty) the commits are walked, which also gives paths.
   */
  { everyRef = false }: { everyRef?: boolean } = {},
): Promise<LfsPointer[]> {
  const tips = changes.flatMap((c) => (c.newSha ? [c.newSha] : []));
  if (tips.length === 0) return [];
  const exclude = [...new Set([...targetTips, ...changes.flatMap((c) => (c.oldSha ? [c.oldSha] : []))])];
  const listing = exclude.length === 0 && everyRef ? everySmallBlob(cacheDir, timeoutMs) : newSmallBlobs(cacheDir, tips, exclude, timeoutMs);
  // The reader starts while git lists (after it: the listing is the one the sync waits for).
  const reader = startGit(cacheDir, ["cat-file", "--batch"], timeoutMs);
  let paths: Map<string, string>;
  try {
    paths = await listing;
  } catch (error) {
    reader.end("");
    await reader.output.catch(() => undefined); // the listing's error is the one to report
    throw error;
  }
  reader.end(paths.size === 0 ? "" : [...paths.keys()].join("\n") + "\n");
  const contents = await reader.output;
  if (paths.size === 0) return [];
  const pointers = new Map<string, LfsPointer>();
  for (const { sha, body } of batchEntries(contents)) {
    const pointer = parseLfsPointer(body.toString("utf8"));
    if (pointer && !pointers.has(pointer.oid)) pointers.set(pointer.oid, { ...pointer, path: paths.get(sha) ?? "" });
  }
  return [...pointers.values()];
}

/** Blobs of a pointer's size in the commits `tips` bring that `exclude` do not contain: blob → a path it is at. */
async function newSmallBlobs(cacheDir: string, tips: string[], exclude: string[], timeoutMs: number): Promise<Map<string, string>> {
  // --ignore-missing: a target tip the cache never saw (the target's own commits) excludes nothing.
  const listed = await runGit(
    cacheDir,
    ["rev-list", "--objects", "--filter=object:type=blob", `--filter=blob:limit=${POINTER_MAX_BYTES}`, "--ignore-missing", "--stdin"],
    [...new Set(tips), ...exclude.map((sha) => `^${sha}`)].join("\n") + "\n",
    timeoutMs,
  );
  const paths = new Map<string, string>();
  for (const line of listed.toString("utf8").split("\n")) {
    const space = line.indexOf(" ");
    if (space === 40 || space === 64) {
      const blob = line.slice(0, space);
      if (!paths.has(blob)) paths.set(blob, line.slice(space + 1)); // commits print no path
    }
  }
  return paths;
}

/**
 * Every blob of a pointer's size in the cache (no paths: a first sync pushes them all). The list
 * has a line per object (742,750 for a 100,000-commit history), so it is read as git writes it,
 * and only lines that can be a pointer-sized blob are looked at closely: splitting every line
 * after git was done took 0.8 s of the sync, with the listing's 1.7 s before it.
 */
async function everySmallBlob(cacheDir: string, timeoutMs: number): Promise<Map<string, string>> {
  const blobs = new Map<string, string>();
  const read = smallBlobLines((sha) => blobs.set(sha, ""));
  const listing = startGit(cacheDir, ["cat-file", "--batch-all-objects", "--unordered", `--batch-check=${SIZE_TYPE_NAME}`], timeoutMs, read);
  listing.end("");
  await listing.output;
  return blobs;
}

const SIZE_TYPE_NAME = "%(objectsize) %(objecttype) %(objectname)";
/** A line of that format for a blob of 100–9,999 bytes. */
const SMALL_BLOB_LINE = /^(\d{3,4}) blob ([0-9a-f]{40,64})$/gm;

/**
 * Reads `git cat-file --batch-check` lines of SIZE_TYPE_NAME chunk by chunk (a line may arrive in
 * two) and calls `onBlob` with each blob of a pointer's size.
 */
export function smallBlobLines(onBlob: (sha: string) => void): (chunk: Buffer) => void {
  let partial = "";
  return (chunk) => {
    const text = partial + chunk.toString("latin1");
    const complete = text.lastIndexOf("\n") + 1;
    partial = text.slice(complete);
    for (const [, size, sha] of text.slice(0, complete).matchAll(SMALL_BLOB_LINE)) {
      const bytes = Number(size);
      if (bytes >= POINTER_MIN_BYTES && bytes < POINTER_MAX_BYTES) onBlob(sha!);
    }
  };
}

/** `git cat-file --batch` output: `<sha> <type> <size>\n<content>\n` per object. */
function* batchEntries(output: Buffer): Generator<{ sha: string; body: Buffer }> {
  let at = 0;
  while (at < output.length) {
    const eol = output.indexOf(0x0a, at);
    if (eol < 0) return;
    const [sha, type, size] = output.subarray(at, eol).toString("latin1").split(" ");
    if (type === "missing" || size === undefined) {
      at = eol + 1;
      continue;
    }
    const length = Number(size);
    yield { sha: sha!, body: output.subarray(eol + 1, eol + 1 + length) };
    at = eol + 1 + length + 1;
  }
}

/** A local git command with input on stdin, in the hardened environment (no credentials). */
function runGit(dir: string, args: string[], input: string, timeoutMs: number): Promise<Buffer> {
  const git = startGit(dir, args, timeoutMs);
  git.end(input);
  return git.output;
}

/**
 * Starts a local git command now; its input is given later (`end`), its output read from `output`,
 * or handed to `onOutput` chunk by chunk as git writes it (`output` then resolves empty).
 */
function startGit(dir: string, args: string[], timeoutMs: number, onOutput?: (chunk: Buffer) => void): { end(input: string): void; output: Promise<Buffer> } {
  const child = spawn("git", args, { env: gitEnvironment(dir, []), stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => undefined); // git may exit before reading everything; the exit code says why
  const output = new Promise<Buffer>((resolve, reject) => {
    const out: Buffer[] = [];
    let err = "";
    let unreadable: unknown; // what onOutput threw: git is stopped, and the search fails with it
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      if (!onOutput) return void out.push(chunk);
      try {
        onOutput(chunk);
      } catch (error) {
        unreadable ??= error;
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new MirrorError("git_failed", "mirror-bot could not run git to look for Git LFS pointers", { cause: error }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (unreadable !== undefined)
        reject(new MirrorError("internal", `mirror-bot could not read what git ${args[0]} listed while looking for Git LFS pointers`, { cause: unreadable }));
      else if (code === 0) resolve(Buffer.concat(out));
      else if (signal) reject(new MirrorError("timeout", `git ${args[0]} took longer than ${Math.round(timeoutMs / 1000)} s while looking for Git LFS pointers`));
      else reject(new MirrorError("git_failed", `git ${args[0]} failed while looking for Git LFS pointers: ${err.trim().split("\n").at(-1) ?? ""}`));
    });
  });
  output.catch(() => undefined); // awaited once the input is given; until then a failure is not unhandled
  return { end: (input) => child.stdin.end(input), output };
}
