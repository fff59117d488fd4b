/**
 * The LFS object cache of one repository cache: `<bare cache>/lfs/objects/<aa>/<bb>/<oid>`, git-lfs'
 * own layout, inside the bare repository so that removing the repository's cache removes it too
 * (cache/layout.ts). Bounded by MIRROR_LFS_CACHE_MB: after each sync the least recently used
 * objects are dropped until it fits, except those not yet on the target (still needed); an
 * object larger than the whole bound is never cached (the transfer streams it through).
 *
 * It saves a second download when a sync is retried after its upload failed, and when one
 * repository is mirrored to several targets.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";

export class LfsCache {
  readonly dir: string;

  constructor(
    repositoryCacheDir: string,
    readonly maxBytes: number,
  ) {
    this.dir = path.join(repositoryCacheDir, "lfs", "objects");
  }

  path(oid: string): string {
    return path.join(this.dir, oid.slice(0, 2), oid.slice(2, 4), oid);
  }

  fits(size: number): boolean {
    return size <= this.maxBytes;
  }

  /** Whether the object is cached whole; marks it as used. */
  async has(oid: string, size: number): Promise<boolean> {
    const file = this.path(oid);
    const found = await stat(file).catch(() => null);
    if (!found || found.size !== size) return false;
    const now = new Date();
    await utimes(file, now, now).catch(() => undefined); // LRU order; a failure only makes it look older
    return true;
  }

  /** A temporary file to download into; `keep()` moves it into place once its content is checked. */
  async writer(oid: string): Promise<{ stream: WriteStream; keep(): Promise<void>; discard(): Promise<void> }> {
    const tmpDir = path.join(this.dir, "tmp");
    await mkdir(tmpDir, { recursive: true });
    const tmp = path.join(tmpDir, `${oid}.${randomBytes(4).toString("hex")}`);
    const final = this.path(oid);
    return {
      stream: createWriteStream(tmp),
      keep: async () => {
        await mkdir(path.dirname(final), { recursive: true });
        await rename(tmp, final);
      },
      discard: () => rm(tmp, { force: true }),
    };
  }

  /**
   * Drops least recently used objects until the cache fits its bound; `needed` (objects the
   * target does not have yet) are kept. Resolves to the number of objects dropped.
   */
  async prune(needed: ReadonlySet<string>): Promise<number> {
    // Jobs of one repository never overlap, so nothing is writing now: leftovers of interrupted downloads go.
    await rm(path.join(this.dir, "tmp"), { recursive: true, force: true });
    const entries = await this.#entries();
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    if (total <= this.maxBytes) return 0;
    let dropped = 0;
    for (const entry of entries.sort((a, b) => a.usedAt - b.usedAt)) {
      if (total <= this.maxBytes) break;
      if (needed.has(entry.oid)) continue;
      await rm(entry.file, { force: true });
      total -= entry.size;
      dropped++;
    }
    return dropped;
  }

  async #entries(): Promise<Array<{ oid: string; file: string; size: number; usedAt: number }>> {
    const files = await readdir(this.dir, { recursive: true }).catch(() => [] as string[]);
    const entries = await Promise.all(
      files
        .filter((name) => /^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(name.split(path.sep).join("/")))
        .map(async (name) => {
          const file = path.join(this.dir, name);
          const found = await stat(file).catch(() => null);
          return found ? { oid: path.basename(name), file, size: found.size, usedAt: found.mtimeMs } : null;
        }),
    );
    return entries.filter((e): e is NonNullable<typeof e> => e !== null);
  }
}
