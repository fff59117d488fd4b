/**
 * Which Git LFS pointers a sync carries, read from a real repository by real git: the pointers of
 * the new commits only, found by content whatever the file is called, and none when the new
 * commits hold only small files that are not pointers, or only large ones.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { findLfsPointers } from "../../src/mirror/lfs-pointers.js";
import { MirrorError } from "../../src/errors.js";
import type { RefChange } from "../../src/mirror/types.js";
import { git, makeTempDir, removeDir } from "../helpers/git-fixtures.js";

const TIMEOUT_MS = 60_000;
const pointer = (oid: string, size: number) => `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
const OLD_OID = "a".repeat(64);
const NEW_OID = "b".repeat(64);

let work: string;
let bare: string;

async function commitFiles(files: Record<string, string>, message: string): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(work, name)), { recursive: true });
    await writeFile(path.join(work, name), content);
  }
  await git(work, "add", ...Object.keys(files));
  await git(work, "commit", "--quiet", "-m", message);
  return git(work, "rev-parse", "HEAD");
}

const change = (oldSha: string | null, newSha: string): RefChange => ({ ref: "refs/heads/main", action: oldSha ? "fast-forward" : "create", oldSha, newSha });

beforeAll(async () => {
  const root = await makeTempDir("lfs-pointers-");
  work = path.join(root, "work");
  bare = path.join(root, "cache.git");
  await git(root, "init", "--quiet", work);
  await git(root, "init", "--quiet", "--bare", bare);
});

afterAll(async () => {
  await removeDir(path.dirname(work));
});

describe("findLfsPointers", () => {
  let base: string;
  let withPointer: string;
  let smallOnly: string;
  let largeOnly: string;

  beforeAll(async () => {
    base = await commitFiles({ "old.bin": pointer(OLD_OID, 10), "README.md": "# project\n" }, "base");
    // The pointer is found by content, not by name or .gitattributes.
    withPointer = await commitFiles({ "assets/model.weights": pointer(NEW_OID, 2_000_000), "notes.txt": "a small file, not a pointer\n" }, "pointer");
    smallOnly = await commitFiles({ "bench.txt": "1k-3\n", "more.txt": "x".repeat(500) }, "small files");
    largeOnly = await commitFiles({ "big.txt": "y".repeat(5000) }, "large file");
    await git(work, "push", "--quiet", bare, "main");
  });

  it("finds the pointer a new commit adds, with its path, and not those the target already has", async () => {
    const found = await findLfsPointers(bare, [change(base, withPointer)], [base], TIMEOUT_MS);
    expect(found).toEqual([{ oid: NEW_OID, size: 2_000_000, path: "assets/model.weights" }]);
  });

  it("finds every pointer of a new branch when the target has nothing", async () => {
    const found = await findLfsPointers(bare, [change(null, largeOnly)], [], TIMEOUT_MS);
    expect(found.map((p) => p.oid).sort()).toEqual([OLD_OID, NEW_OID]);
  });

  it("finds none when the new commits add only small files that are not pointers", async () => {
    expect(await findLfsPointers(bare, [change(withPointer, smallOnly)], [withPointer], TIMEOUT_MS)).toEqual([]);
  });

  it("finds none when the new commits add only files too large to be pointers", async () => {
    expect(await findLfsPointers(bare, [change(smallOnly, largeOnly)], [smallOnly], TIMEOUT_MS)).toEqual([]);
  });

  it("says which git command failed when the listing fails", async () => {
    const notARepo = await makeTempDir("not-a-repo-");
    try {
      const failed = findLfsPointers(notARepo, [change(null, largeOnly)], [], TIMEOUT_MS);
      await expect(failed).rejects.toThrow(MirrorError);
      await expect(failed).rejects.toThrow(/git rev-list failed while looking for Git LFS pointers/);
    } finally {
      await removeDir(notARepo);
    }
  });
});

describe("findLfsPointers on a first sync of every ref (the cache's object list, read as git writes it)", () => {
  const LISTED_OIDS = ["c".repeat(64), "d".repeat(64)];
  let tip: string;

  beforeAll(async () => {
    // Thousands of objects on top of the history above, most of a pointer's size, so git's list
    // arrives in many chunks; two more pointers among them.
    const files: Record<string, string> = {};
    for (let i = 0; i < 4000; i++) files[`data/${String(i).padStart(4, "0")}.txt`] = `line ${i}\n`.repeat(20 + (i % 60));
    files["data/2500.bin"] = pointer(LISTED_OIDS[0]!, 7);
    files["data/zz/last.bin"] = pointer(LISTED_OIDS[1]!, 123_456);
    tip = await commitFiles(files, "many files");
    await git(work, "push", "--quiet", bare, "main");
  });

  it("finds every pointer among thousands of objects, the same ones a walk of the history finds", async () => {
    const listed = await findLfsPointers(bare, [change(null, tip)], [], TIMEOUT_MS, { everyRef: true });
    const walked = await findLfsPointers(bare, [change(null, tip)], [], TIMEOUT_MS);
    expect(listed.map((p) => p.oid).sort()).toEqual([OLD_OID, NEW_OID, ...LISTED_OIDS].sort());
    expect(listed.map((p) => [p.oid, p.size]).sort()).toEqual(walked.map((p) => [p.oid, p.size]).sort());
  });
});
