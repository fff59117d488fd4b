/**
 * Long realistic histories (realistic-history.ts) for benchmarks, written once per shape and then
 * shared: seeding a repository hard-links the history's pack into it, as GitHub's forks share
 * objects, so ten repositories with 100k commits cost one generation. A history is kept in the
 * store's directory as a bare repository with one packfile and its bitmap (`git repack -adb`, as
 * a served repository has), under a name that says its shape and the generator's version: a store
 * kept between runs (the benchmark's bench/work/histories) is reused, never stale.
 */
import { copyFile, link, mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { importStream } from "../fast-import.js";
import { git, initBare, resolveCommit } from "../git.js";
import { realisticHistory, type HistoryShape } from "../realistic-history.js";

/** Bumped whenever realistic-history.ts would write a different history for the same shape. */
const GENERATOR_VERSION = 1;
const BRANCH = "refs/heads/main";
/** Commits of every stored history start here (2023-01-01), so the same shape has the same shas. */
const START_TIME = Date.UTC(2023, 0, 1) / 1000;

export class HistoryStore {
  readonly #pending = new Map<string, Promise<{ gitDir: string; tip: string }>>();

  constructor(readonly dir: string) {}

  /** The stored history of this shape, written first if the store does not have it. */
  history(shape: HistoryShape): Promise<{ gitDir: string; tip: string }> {
    const name = `v${GENERATOR_VERSION}-${shape.commits}c-${shape.fileCount ?? "d"}f-${shape.bytesPerCommit ?? "d"}b-s${shape.seed ?? "d"}.git`;
    let pending = this.#pending.get(name);
    if (!pending) {
      pending = this.#open(name, shape);
      this.#pending.set(name, pending);
      pending.catch(() => this.#pending.delete(name)); // a failed write is retried by the next caller
    }
    return pending;
  }

  /** Hard-links the history's pack (copies it across file systems) into `bareDir`; returns its tip. */
  async copyInto(shape: HistoryShape, bareDir: string): Promise<string> {
    const { gitDir, tip } = await this.history(shape);
    const from = path.join(gitDir, "objects", "pack");
    const to = path.join(bareDir, "objects", "pack");
    await mkdir(to, { recursive: true });
    for (const file of await readdir(from)) {
      if (!/^pack-[0-9a-f]+\.(pack|idx|bitmap|rev)$/.test(file)) continue;
      await link(path.join(from, file), path.join(to, file)).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code === "EEXIST") return;
        if (error.code !== "EXDEV") throw error;
        await copyFile(path.join(from, file), path.join(to, file));
      });
    }
    return tip;
  }

  async #open(name: string, shape: HistoryShape): Promise<{ gitDir: string; tip: string }> {
    const gitDir = path.join(this.dir, name);
    const stored = await resolveCommit(gitDir, BRANCH).catch(() => null);
    if (stored) return { gitDir, tip: stored };
    // Written beside, then renamed: an interrupted run leaves no half history under the name.
    const partial = `${gitDir}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await initBare(partial, "main");
    await importStream(partial, realisticHistory({ ...shape, ref: BRANCH, startTime: START_TIME }));
    await git(["repack", "-a", "-d", "-b", "-q"], { cwd: partial });
    await rm(gitDir, { recursive: true, force: true });
    await rename(partial, gitDir);
    const tip = await resolveCommit(gitDir, BRANCH);
    if (!tip) throw new Error(`the stored history ${name} has no ${BRANCH}`);
    return { gitDir, tip };
  }
}
