/**
 * The LFS cache's bound holds while objects are copied, not only after: a first sync with more
 * objects than the bound never has more than the bound on disk, and every object still arrives
 * (those without room are streamed through). Real HTTP against the sandbox's LFS servers.
 */
import { readdirSync, statSync } from "node:fs";
import http, { type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { LfsServer as FakeLfsServer, writeLfsObject, lfsObjectPath } from "../../../sandbox/lfs-server.js";
import { copyLfsObjects } from "../../../src/lfs/copy-objects.js";
import { LfsCache } from "../../../src/lfs/lfs-cache.js";
import { makeTempDir, removeDir } from "../../helpers/git-fixtures.js";

let dir: string;
const servers: Server[] = [];
beforeEach(async () => (dir = await makeTempDir("lfs-bound-")));
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  await removeDir(dir);
});

/** A fake LFS service; `onRequest` sees every request before it is answered. */
async function serve(flavour: "github" | "gitlab", storeRoot: string, onRequest: (req: http.IncomingMessage) => void = () => undefined): Promise<string> {
  const fake = new FakeLfsServer({ flavour, storeRoot, authorize: () => "ok", settings: () => ({ enabled: true }) });
  let base = "";
  const server = http.createServer((req, res) => {
    onRequest(req);
    void fake.handle(req, res, base).then((handled) => handled || res.writeHead(404).end());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return base;
}

/** Bytes of every file under `root` (cached objects and downloads in progress). */
function bytesUnder(root: string): number {
  let total = 0;
  let names: string[];
  try {
    names = readdirSync(root, { recursive: true }) as string[];
  } catch {
    return 0; // nothing cached yet
  }
  for (const name of names.map((n) => path.join(root, n))) {
    const found = statSync(name, { throwIfNoEntry: false });
    if (found?.isFile()) total += found.size;
  }
  return total;
}

test("a first sync of 6 objects of 100 KB with a 250 KB bound never caches more than 250 KB, and all arrive", async () => {
  const sourceStore = path.join(dir, "source");
  const targetStore = path.join(dir, "target");
  const cache = new LfsCache(path.join(dir, "cache.git"), 250 * 1024);
  const objects = [];
  for (let i = 0; i < 6; i++) {
    const written = await writeLfsObject(sourceStore, "octo/assets", Readable.from([Buffer.alloc(100 * 1024, `object ${i} `)]));
    objects.push({ ...written, path: `assets/${i}.bin` });
  }
  let peak = 0;
  const sourceUrl = await serve("github", sourceStore);
  const targetUrl = await serve("gitlab", targetStore, (req) => {
    if (req.method === "PUT") peak = Math.max(peak, bytesUnder(cache.dir)); // each upload starts once its object is downloaded
  });

  const result = await copyLfsObjects({
    objects,
    source: { name: "GitHub", url: `${sourceUrl}/octo/assets.git`, username: "x-access-token", password: "source-pass" },
    target: { name: "GitLab", url: `${targetUrl}/group/assets.git`, username: "oauth2", password: "target-pass" },
    cache,
    idleTimeoutMs: 30_000,
  });

  expect(result.failed).toEqual(new Map());
  expect(result.copied).toHaveLength(6);
  for (const o of objects) expect(statSync(lfsObjectPath(targetStore, "group/assets", o.oid)).size).toBe(o.size);
  expect(peak).toBeGreaterThan(0); // the cache was used
  expect(peak).toBeLessThanOrEqual(250 * 1024);
  expect(bytesUnder(cache.dir)).toBeLessThanOrEqual(250 * 1024);
});
