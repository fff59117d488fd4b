/** The fake GitLab can hold a push before git sees it (to kill a pusher mid-push), then let it through. */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { startSandbox, type Sandbox } from "../../../sandbox/index.js";
import { parseEnv } from "../../../src/env.js";
import { MirrorIndex } from "../../../src/index/mirror-index.js";
import { FileAgreedStore } from "../../../src/records/agreed-store.js";
import { cacheLayout } from "../../../src/cache/layout.js";
import { MemoryStatusStore } from "../../../src/status/memory-store.js";
import { dropRepository } from "../../../src/sync/drop-repository.js";
import { cacheDirFor } from "../../../src/worker/deps.js";

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});

afterAll(async () => {
  await sandbox.close();
});

describe("FakeGitLab.holdNextPush", () => {
  it("holds the next push to that project until released, then serves it", async () => {
    await sandbox.gitlab.createProject({ path: "hold/p" });
    await sandbox.gitlab.createProject({ path: "hold/other" });
    const hold = sandbox.gitlab.holdNextPush("hold/p");
    // Other projects are not held.
    const other = await sandbox.gitlab.commitAndPush("hold/other", { branch: "main", files: { "o.txt": "o" } });
    expect((await sandbox.gitlab.refs("hold/other")).get("refs/heads/main")).toBe(other.after);

    let pushed = false;
    const pushing = sandbox.gitlab.commitAndPush("hold/p", { branch: "main", files: { "a.txt": "a" } }).then((r) => {
      pushed = true;
      return r;
    });
    await hold.reached;
    expect(pushed).toBe(false);
    expect((await sandbox.gitlab.refs("hold/p")).get("refs/heads/main")).toBeUndefined();
    hold.release();
    const result = await pushing;
    await hold.served;
    expect((await sandbox.gitlab.refs("hold/p")).get("refs/heads/main")).toBe(result.after);
    // Only the next push was held.
    const again = await sandbox.gitlab.commitAndPush("hold/p", { branch: "main", files: { "a.txt": "b" } });
    expect((await sandbox.gitlab.refs("hold/p")).get("refs/heads/main")).toBe(again.after);
    expect(sandbox.gitlab.errors).toEqual([]);
  });
});

describe("dropRepository", () => {
  it("deletes the repository's caches (both directions), agreement records, status entries and index entry, and nothing else", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "drop-test-"));
    const env = parseEnv({ MIRROR_CACHE_DIR: root });
    const { mkdir } = await import("node:fs/promises");
    const gone = cacheDirFor(env, { owner: "o", repo: "gone" });
    const kept = cacheDirFor(env, { owner: "o", repo: "kept" });
    await mkdir(path.join(gone, "objects"), { recursive: true });
    await mkdir(kept, { recursive: true });
    // The pull cache and the agreement record go too (they used to stay behind); a neighbour's stay.
    const layout = cacheLayout(root);
    await mkdir(path.join(layout.pullCache({ owner: "o", repo: "gone" }, 5), "objects"), { recursive: true });
    const agreed = new FileAgreedStore(root);
    await agreed.forMirror({ owner: "o", repo: "gone" }, 5).save(new Map([["refs/heads/main", "a".repeat(40)]]));
    await agreed.forMirror({ owner: "o", repo: "kept" }, 5).save(new Map([["refs/heads/main", "a".repeat(40)]]));
    const index = new MirrorIndex();
    index.set({ installationId: 1, owner: "o", repo: "gone", mirrors: [{ gitlab: "g/p" } as any] });
    const job = { owner: "o", repo: "gone" };
    const status = new MemoryStatusStore();
    const entry = {
      installationId: 1,
      private: false,
      direction: "push" as const,
      lastSyncAt: "2026-12-05T00:00:00Z",
      lastResult: "success" as const,
      lastTitle: "ok",
      lagRefs: 0,
      durationMs: 1,
      consecutiveFailures: 0,
    };
    await status.record({ ...entry, owner: "o", repo: "gone", target: "g/p" });
    await status.record({ ...entry, owner: "o", repo: "kept", target: "g/p" });
    await dropRepository(job, { env, index, agreed, status, log: pino({ level: "silent" }) });
    expect((await status.list()).map((r) => r.repo)).toEqual(["kept"]);
    expect((await readdir(path.join(root, "o"))).sort()).toEqual(["kept.git", "kept.gitlab-5.synced.json"]);
    expect(index.get("o", "gone")).toBeUndefined();
    await rm(root, { recursive: true, force: true });
  });
});
