/**
 * The cache's branches and tags read straight from its files (loose refs over `packed-refs`), as
 * `git for-each-ref refs/heads refs/tags` would list them. A sync reads them twice, around its
 * fetch; from a process the size of the app, each git process costs several milliseconds to start,
 * on the path between a push and its mirror. Only for caches mirror-bot created itself: `git init
 * --bare` with no inherited config, so the "files" ref store. Anything unexpected returns null, and
 * the caller asks git.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { RefMap } from "./types.js";

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const NAMESPACES = ["refs/heads", "refs/tags"];

export async function readRefs(gitDir: string): Promise<RefMap | null> {
  try {
    const refs = await readPackedRefs(gitDir);
    if (!refs) return null;
    for (const namespace of NAMESPACES) {
      for (const ref of await looseRefNames(gitDir, namespace)) {
        const content = (await readFile(path.join(gitDir, ref), "utf8")).trim();
        if (!OBJECT_ID.test(content)) return null; // a symbolic ref, or a write in progress
        refs.set(ref, content);
      }
    }
    return new Map([...refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  } catch {
    return null; // not an error: the caller asks git, which reports any real one
  }
}

/** `<oid> <ref>` lines; `^<oid>` lines peel the tag above them; `#` starts the header. */
async function readPackedRefs(gitDir: string): Promise<Map<string, string> | null> {
  const refs = new Map<string, string>();
  let text: string;
  try {
    text = await readFile(path.join(gitDir, "packed-refs"), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return refs;
    throw error;
  }
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#") || line.startsWith("^")) continue;
    const space = line.indexOf(" ");
    const [oid, ref] = [line.slice(0, space), line.slice(space + 1)];
    if (!OBJECT_ID.test(oid) || !ref) return null;
    if (NAMESPACES.some((ns) => ref.startsWith(`${ns}/`))) refs.set(ref, oid);
  }
  return refs;
}

async function looseRefNames(gitDir: string, namespace: string): Promise<string[]> {
  const entries = await readdir(path.join(gitDir, namespace), { withFileTypes: true, recursive: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  return entries
    .filter((e) => e.isFile() && !e.name.endsWith(".lock"))
    .map((e) =>
      path
        .relative(gitDir, path.join(e.parentPath ?? e.path, e.name))
        .split(path.sep)
        .join("/"),
    );
}
