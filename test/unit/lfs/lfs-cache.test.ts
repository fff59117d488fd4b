/** The LFS cache's bound: least recently used objects go first, objects the target still needs stay. */
import { mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { LfsCache } from "../../../src/lfs/lfs-cache.js";
import { makeTempDir, removeDir } from "../../helpers/git-fixtures.js";

let dir: string;
beforeEach(async () => (dir = await makeTempDir("lfs-cache-")));
afterEach(() => removeDir(dir));

const oid = (n: number) => String(n).repeat(64).slice(0, 64);

async function put(cache: LfsCache, n: number, size: number, usedSecondsAgo: number) {
  const file = cache.path(oid(n));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, Buffer.alloc(size));
  const at = new Date(Date.now() - usedSecondsAgo * 1000);
  await utimes(file, at, at);
}

const cached = async (cache: LfsCache) => (await readdir(cache.dir, { recursive: true })).filter((f) => /[0-9a-f]{64}$/.test(f)).map((f) => path.basename(f)[0]);

test("lives inside the repository's bare cache, so it is removed with it", () => {
  expect(new LfsCache("/cache/octo/assets.git", 10).dir).toBe("/cache/octo/assets.git/lfs/objects");
});

test("drops the least recently used objects until it fits, keeping those the target still needs", async () => {
  const cache = new LfsCache(dir, 300);
  await put(cache, 1, 100, 40); // oldest, but the target lacks it
  await put(cache, 2, 100, 30);
  await put(cache, 3, 100, 20);
  await put(cache, 4, 100, 10);
  expect(await cache.has(oid(3), 100)).toBe(true); // a use makes it the most recent
  expect(await cache.prune(new Set([oid(1)]))).toBe(1);
  expect((await cached(cache)).sort()).toEqual(["1", "3", "4"]);
});

test("an object larger than the bound does not fit (it is streamed through instead)", () => {
  const cache = new LfsCache(dir, 2048);
  expect(cache.fits(2048)).toBe(true);
  expect(cache.fits(2049)).toBe(false);
});
