/**
 * The mirror engine against real git: bare repositories in temp dirs, served over smart HTTP by
 * `git http-backend` on two servers (a fake GitHub and a fake GitLab), each accepting one token.
 */
import { jest } from "@jest/globals";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseEnv } from "../../src/env.js";
import { MirrorError } from "../../src/errors.js";
import { agreedRefsFile } from "../../src/mirror/agreed-refs.js";
import { mirrorRefs, TARGET_MEMORY_MS } from "../../src/mirror/mirror-refs.js";
import { restoreBackup } from "../../src/mirror/remote-backups.js";
import type { MirrorRequest } from "../../src/mirror/types.js";
import { commit, createBareRepo, createWorkRepo, filesContaining, git, installHook, makeTempDir, objectCount, pushTo, refsOf, removeDir } from "../helpers/git-fixtures.js";
import { startGitServer, type TestGitServer } from "../helpers/git-server.js";

const SOURCE = { username: "x-access-token", token: "ghs_sourceTOKEN0123456789abcdef" };
const TARGET = { username: "oauth2", token: "glpat-targetTOKEN0123456789xyz" };
const WRONG_TOKEN = "glpat-wrongTOKEN9876543210zzz";

let tmp: string;
let github: TestGitServer;
let gitlab: TestGitServer;
const cacheDirs: string[] = [];
const errorsSeen: unknown[] = [];
let scenarios = 0;

beforeAll(async () => {
  tmp = await makeTempDir("mirror-refs-");
  github = await startGitServer(path.join(tmp, "github"), SOURCE.token);
  gitlab = await startGitServer(path.join(tmp, "gitlab"), TARGET.token);
});

afterAll(async () => {
  await Promise.all([github?.close(), gitlab?.close()]);
  if (tmp) await removeDir(tmp);
});

afterEach(() => {
  for (const server of [github, gitlab]) {
    server.beforePush = undefined;
    server.beforePushAdvertisement = undefined;
  }
});

/** The app's default (MIRROR_GIT_TIMEOUT_MS unset). */
const GIT_TIMEOUT_MS = parseEnv({}).gitTimeoutMs;

/** A fresh source repo, target project, work clone and cache; `sync` runs the engine on them. */
async function scenario() {
  const id = `r${++scenarios}`;
  const sourceBare = await createBareRepo(path.join(tmp, "github"), `octo/${id}`);
  const targetBare = await createBareRepo(path.join(tmp, "gitlab"), `group/${id}`);
  const work = await createWorkRepo(path.join(tmp, "work", id));
  const cacheDir = path.join(tmp, "cache", id);
  cacheDirs.push(cacheDir);
  const request = (overrides: Partial<MirrorRequest> = {}): MirrorRequest => ({
    cacheDir,
    source: { url: github.url(`octo/${id}`), username: SOURCE.username, password: SOURCE.token },
    target: { url: gitlab.url(`group/${id}`), username: TARGET.username, password: TARGET.token },
    includeRef: () => true,
    force: false,
    prune: true,
    agreed: agreedRefsFile(path.join(tmp, "agreed", `${id}.json`)),
    timeoutMs: GIT_TIMEOUT_MS,
    ...overrides,
  });
  const sync = (overrides: Partial<MirrorRequest> = {}) => mirrorRefs(request(overrides));
  /** Runs a sync that must fail and returns its MirrorError (kept for the final secret scan). */
  const syncFailure = async (overrides: Partial<MirrorRequest> = {}): Promise<MirrorError> => {
    const error = await sync(overrides).then(
      () => new Error("expected the sync to fail"),
      (e: unknown) => e,
    );
    errorsSeen.push(error);
    expect(error).toBeInstanceOf(MirrorError);
    return error as MirrorError;
  };
  return { sourceBare, targetBare, work, cacheDir, request, sync, syncFailure };
}

describe("mirrorRefs", () => {
  it("first sync creates every branch and tag, and never refs/pull/*", async () => {
    const s = await scenario();
    const c1 = await commit(s.work, "one");
    const c2 = await commit(s.work, "two");
    const c3 = await commit(s.work, "feature", "feature");
    await git(s.work, "tag", "-a", "v1", "-m", "release 1", c1);
    await git(s.work, "tag", "light", c2);
    await pushTo(s.work, s.sourceBare, `${c2}:refs/heads/main`, "feature", "--tags", `${c3}:refs/pull/1/head`);
    const seenByFilter: string[] = [];

    const result = await s.sync({ includeRef: (ref) => (seenByFilter.push(ref), true) });

    const v1 = await git(s.work, "rev-parse", "v1");
    expect(result).toEqual({
      changes: [
        { ref: "refs/heads/feature", action: "create", oldSha: null, newSha: c3 },
        { ref: "refs/heads/main", action: "create", oldSha: null, newSha: c2 },
        { ref: "refs/tags/light", action: "create", oldSha: null, newSha: c2 },
        { ref: "refs/tags/v1", action: "create", oldSha: null, newSha: v1 },
      ],
      refusals: [],
      unchangedCount: 0,
    });
    const sourceRefs = await refsOf(s.sourceBare, "refs/heads", "refs/tags");
    expect(await refsOf(s.targetBare)).toEqual(sourceRefs);
    expect(await refsOf(s.cacheDir)).toEqual(sourceRefs);
    expect(seenByFilter.every((ref) => /^refs\/(heads|tags)\//.test(ref))).toBe(true);
  });

  it("fast-forwards a branch and counts the rest as unchanged", async () => {
    const s = await scenario();
    await commit(s.work, "one");
    await pushTo(s.work, s.sourceBare, "main", "main:refs/heads/other");
    await s.sync();
    const before = await git(s.work, "rev-parse", "main");
    const next = await commit(s.work, "two");
    await pushTo(s.work, s.sourceBare, "main");

    const result = await s.sync();

    expect(result).toEqual({
      changes: [{ ref: "refs/heads/main", action: "fast-forward", oldSha: before, newSha: next }],
      refusals: [],
      unchangedCount: 1,
    });
    expect((await refsOf(s.targetBare)).get("refs/heads/main")).toBe(next);
  });

  /** Source and target main each gained a commit the other lacks; the target's was never fetched. */
  async function diverged() {
    const s = await scenario();
    const base = await commit(s.work, "base");
    await pushTo(s.work, s.sourceBare, "main");
    await s.sync();
    const sourceTip = await commit(s.work, "source side");
    await pushTo(s.work, s.sourceBare, "main", "main:refs/heads/next");
    await git(s.work, "checkout", "--quiet", "-B", "elsewhere", base);
    const targetTip = await commit(s.work, "target side");
    await pushTo(s.work, s.targetBare, "elsewhere:refs/heads/main");
    return { ...s, sourceTip, targetTip };
  }

  it("refuses a diverged branch with both SHAs and counts, leaves it untouched, and still pushes the rest", async () => {
    const s = await diverged();

    const result = await s.sync();

    expect(result.refusals).toEqual([{ ref: "refs/heads/main", reason: "diverged", sourceSha: s.sourceTip, targetSha: s.targetTip, sourceOnly: 1, targetOnly: 1 }]);
    expect(result.changes).toEqual([{ ref: "refs/heads/next", action: "create", oldSha: null, newSha: s.sourceTip }]);
    const target = await refsOf(s.targetBare);
    expect(target.get("refs/heads/main")).toBe(s.targetTip);
    expect(target.get("refs/heads/next")).toBe(s.sourceTip);
    // The temporary ref used to count the target's commits is gone.
    expect([...(await refsOf(s.cacheDir)).keys()].filter((ref) => ref.startsWith("refs/mirror-bot/"))).toEqual([]);
  });

  /** main and other mirrored; then main rewritten on GitHub (amend) and other advanced. */
  async function rewrittenAfterMirroring() {
    const s = await scenario();
    const c1 = await commit(s.work, "one");
    const mirrored = await commit(s.work, "two");
    await pushTo(s.work, s.sourceBare, "main", "main:refs/heads/other");
    await s.sync();
    await git(s.work, "checkout", "--quiet", "-B", "other", mirrored);
    const otherTip = await commit(s.work, "three, on other");
    await git(s.work, "checkout", "--quiet", "-B", "main", c1);
    const rewritten = await commit(s.work, "two, rewritten");
    await pushTo(s.work, s.sourceBare, `+${rewritten}:refs/heads/main`, `${otherTip}:refs/heads/other`);
    return { ...s, mirrored, otherTip, rewritten };
  }

  it("follows a branch force-pushed on GitHub after it was mirrored (GitLab still at the agreed tip), and fast-forwards another", async () => {
    const s = await rewrittenAfterMirroring();

    const result = await s.sync();

    expect(result.refusals).toEqual([]);
    expect(result.changes).toEqual([
      { ref: "refs/heads/main", action: "force-update", oldSha: s.mirrored, newSha: s.rewritten, because: "followed" },
      { ref: "refs/heads/other", action: "fast-forward", oldSha: s.mirrored, newSha: s.otherTip },
    ]);
    expect(await refsOf(s.targetBare)).toEqual(
      new Map([
        ["refs/heads/main", s.rewritten],
        ["refs/heads/other", s.otherTip],
      ]),
    );
  });

  it("without a record, still follows the rewrite when another branch holds GitLab's old tip (nothing only on GitLab)", async () => {
    const s = await rewrittenAfterMirroring();

    const result = await s.sync({ agreed: agreedRefsFile(path.join(tmp, "agreed", "lost-1.json")) });

    expect(result.refusals).toEqual([]);
    expect(result.changes[0]).toEqual({ ref: "refs/heads/main", action: "force-update", oldSha: s.mirrored, newSha: s.rewritten, because: "followed" });
  });

  it("refuses a rewrite when neither a record, a before nor another branch vouches for GitLab's tip; a before does", async () => {
    const s = await scenario();
    const c1 = await commit(s.work, "one");
    const mirrored = await commit(s.work, "two");
    await pushTo(s.work, s.sourceBare, "main");
    await s.sync();
    await git(s.work, "checkout", "--quiet", "-B", "main", c1);
    const rewritten = await commit(s.work, "two, rewritten");
    await pushTo(s.work, s.sourceBare, `+${rewritten}:refs/heads/main`);
    const lost = () => agreedRefsFile(path.join(tmp, "agreed", `lost-${++scenarios}.json`));

    const refused = await s.sync({ agreed: lost() });

    expect(refused.refusals).toEqual([{ ref: "refs/heads/main", reason: "diverged", sourceSha: rewritten, targetSha: mirrored, sourceOnly: 1, targetOnly: 1 }]);
    expect(await refsOf(s.targetBare)).toEqual(new Map([["refs/heads/main", mirrored]]));

    const followed = await s.sync({ agreed: lost(), befores: new Map([["refs/heads/main", new Set([mirrored])]]) });

    expect(followed.changes).toEqual([{ ref: "refs/heads/main", action: "force-update", oldSha: mirrored, newSha: rewritten, because: "followed" }]);
    expect(await refsOf(s.targetBare)).toEqual(new Map([["refs/heads/main", rewritten]]));
  });

  it("overwrites a diverged branch with force: true", async () => {
    const s = await diverged();

    const result = await s.sync({ force: true });

    expect(result.refusals).toEqual([]);
    expect(result.changes).toContainEqual({ ref: "refs/heads/main", action: "force-update", oldSha: s.targetTip, newSha: s.sourceTip, because: "forced" });
    expect((await refsOf(s.targetBare)).get("refs/heads/main")).toBe(s.sourceTip);
  });

  it("creates new tags, refuses a moved tag, and moves it with force", async () => {
    const s = await scenario();
    const c1 = await commit(s.work, "one");
    await git(s.work, "tag", "-a", "v1", "-m", "release 1", c1);
    await pushTo(s.work, s.sourceBare, "main", "--tags");
    await s.sync();
    const c2 = await commit(s.work, "two");
    const oldV1 = await git(s.work, "rev-parse", "v1");
    await git(s.work, "tag", "-f", "-a", "v1", "-m", "release 1 again", c2);
    await git(s.work, "tag", "v2", c2);
    await pushTo(s.work, s.sourceBare, "main", "--tags");
    const newV1 = await git(s.work, "rev-parse", "v1");

    const refused = await s.sync();

    expect(refused.refusals).toEqual([{ ref: "refs/tags/v1", reason: "tag-moved", sourceSha: newV1, targetSha: oldV1 }]);
    expect(refused.changes.map((c) => [c.ref, c.action])).toEqual([
      ["refs/heads/main", "fast-forward"],
      ["refs/tags/v2", "create"],
    ]);
    expect((await refsOf(s.targetBare)).get("refs/tags/v1")).toBe(oldV1);

    const forced = await s.sync({ force: true });

    expect(forced.changes).toEqual([{ ref: "refs/tags/v1", action: "force-update", oldSha: oldV1, newSha: newV1, because: "forced" }]);
    expect((await refsOf(s.targetBare)).get("refs/tags/v1")).toBe(newV1);
  });

  it("touches only the refs the filter includes", async () => {
    const s = await scenario();
    const c1 = await commit(s.work, "one");
    await pushTo(s.work, s.sourceBare, "main", "main:refs/heads/release/1", "main:refs/heads/release/2", "main:refs/heads/feature");
    const gitlabOnly = await commit(s.work, "gitlab only", "gitlab-only");
    await pushTo(s.work, s.targetBare, "gitlab-only:refs/heads/feature", "gitlab-only:refs/heads/mine");
    const includeRef = (ref: string) => ref.startsWith("refs/heads/release/");

    const result = await s.sync({ includeRef, force: true, prune: true });

    expect(result.changes.map((c) => c.ref)).toEqual(["refs/heads/release/1", "refs/heads/release/2"]);
    expect(result.refusals).toEqual([]);
    expect(await refsOf(s.targetBare)).toEqual(
      new Map([
        ["refs/heads/feature", gitlabOnly],
        ["refs/heads/mine", gitlabOnly],
        ["refs/heads/release/1", c1],
        ["refs/heads/release/2", c1],
      ]),
    );
  });

  it("deletes merged branches, follows a deletion of what it mirrored, refuses to lose GitLab's commits, keeps everything without prune, and deletes with force", async () => {
    const s = await scenario();
    const c1 = await commit(s.work, "one");
    await commit(s.work, "two");
    const topic = await commit(s.work, "topic only", "topic");
    await git(s.work, "tag", "-a", "old", "-m", "an old release", c1);
    await pushTo(s.work, s.sourceBare, "main", `${c1}:refs/heads/merged`, "topic", "--tags");
    await s.sync();
    const oldTag = await git(s.work, "rev-parse", "old");
    const gitlabOnly = await commit(s.work, "made on gitlab", "gitlab-only");
    await pushTo(s.work, s.targetBare, "gitlab-only");
    await pushTo(s.work, s.sourceBare, ":refs/heads/merged", ":refs/heads/topic", ":refs/tags/old");

    const kept = await s.sync({ prune: false });
    expect(kept).toEqual({ changes: [], refusals: [], unchangedCount: 1 });

    const pruned = await s.sync();
    expect(pruned.changes).toEqual([
      { ref: "refs/heads/merged", action: "delete", oldSha: c1, newSha: null },
      // GitLab's topic is still what was mirrored: its commits were GitHub's, removed on purpose.
      { ref: "refs/heads/topic", action: "delete", oldSha: topic, newSha: null, because: "followed" },
      // Judged by the commit it tags: still on main.
      { ref: "refs/tags/old", action: "delete", oldSha: oldTag, newSha: null },
    ]);
    expect(pruned.refusals).toEqual([
      // Never seen by the cache: counted after fetching it from the target.
      { ref: "refs/heads/gitlab-only", reason: "would-lose-commits", sourceSha: null, targetSha: gitlabOnly, targetOnly: 2 },
    ]);
    expect([...(await refsOf(s.targetBare)).keys()]).toEqual(["refs/heads/gitlab-only", "refs/heads/main"]);

    const forced = await s.sync({ force: true });
    expect(forced.changes.map((c) => [c.ref, c.action])).toEqual([["refs/heads/gitlab-only", "force-delete"]]);
    expect([...(await refsOf(s.targetBare)).keys()]).toEqual(["refs/heads/main"]);
  });

  /** main synced at c1, then advanced on the source; a concurrent commit's objects wait on the target. */
  async function racing() {
    const s = await scenario();
    const c1 = await commit(s.work, "one");
    await pushTo(s.work, s.sourceBare, "main");
    await s.sync({ targetMemory: "keep" }); // as the push half does when it lists
    await commit(s.work, "two");
    await pushTo(s.work, s.sourceBare, "main");
    await git(s.work, "checkout", "--quiet", "-B", "concurrent", c1);
    const concurrent = await commit(s.work, "pushed by someone else");
    await pushTo(s.work, s.targetBare, "concurrent:refs/keep/concurrent"); // objects only; not a branch
    const moveTargetMain = () => git(s.targetBare, "update-ref", "refs/heads/main", concurrent).then(() => undefined);
    return { ...s, concurrent, moveTargetMain };
  }

  it("an empty source changes nothing, and refuses to prune what only the target has", async () => {
    const s = await scenario();
    const c1 = await commit(s.work, "one");
    await pushTo(s.work, s.targetBare, "main");
    const pushes = gitlab.pushes;

    const result = await s.sync();

    expect(result).toEqual({
      changes: [],
      refusals: [{ ref: "refs/heads/main", reason: "would-lose-commits", sourceSha: null, targetSha: c1, targetOnly: 1 }],
      unchangedCount: 0,
    });
    expect(gitlab.pushes).toBe(pushes);
  });

  it("loses the lease when the target moves after it was listed, and the concurrent commit survives", async () => {
    const s = await racing();
    // After ls-remote, before git push reads the target's refs: git itself refuses (stale info).
    gitlab.beforePushAdvertisement = () => ((gitlab.beforePushAdvertisement = undefined), s.moveTargetMain());

    const error = await s.syncFailure();

    expect(error.code).toBe("lease_lost");
    expect(error.retryable).toBe(true);
    expect((error.cause as Error).message).toContain("(stale info)");
    expect((await refsOf(s.targetBare)).get("refs/heads/main")).toBe(s.concurrent);
  });

  it("a forced update loses its lease too when the target moves after it was listed (a forced refspec would override it)", async () => {
    const s = await scenario();
    const c0 = await commit(s.work, "zero");
    await commit(s.work, "one");
    await pushTo(s.work, s.sourceBare, "main");
    await s.sync();
    // GitHub rewrites main; someone else's commit waits on the target, to land mid-sync.
    await git(s.work, "reset", "--quiet", "--hard", c0);
    await commit(s.work, "one, amended");
    await pushTo(s.work, s.sourceBare, "main");
    await git(s.work, "checkout", "--quiet", "-B", "concurrent", c0);
    const concurrent = await commit(s.work, "pushed by someone else");
    await pushTo(s.work, s.targetBare, "concurrent:refs/keep/concurrent");
    gitlab.beforePushAdvertisement = () => ((gitlab.beforePushAdvertisement = undefined), git(s.targetBare, "update-ref", "refs/heads/main", concurrent).then(() => undefined));

    const error = await s.syncFailure({ force: true });

    expect(error.code).toBe("lease_lost");
    expect((error.cause as Error).message).toContain("(stale info)");
    expect((await refsOf(s.targetBare)).get("refs/heads/main")).toBe(concurrent);
  });

  it("loses the lease when the target moves while the push is in flight", async () => {
    const s = await racing();
    // After git push checked its lease, before the server applies the update: the server refuses.
    gitlab.beforePush = () => ((gitlab.beforePush = undefined), s.moveTargetMain());

    const error = await s.syncFailure();

    expect(error.code).toBe("lease_lost");
    expect((error.cause as Error).message).toMatch(/cannot lock ref 'refs\/heads\/main': is at \w+ but expected/);
    expect((await refsOf(s.targetBare)).get("refs/heads/main")).toBe(s.concurrent);
  });

  it("plans a push's sync from the target as its last sync left it, without listing it; reconciliation lists", async () => {
    const s = await scenario();
    const c1 = await commit(s.work, "one");
    await pushTo(s.work, s.sourceBare, "main");
    const listedAtStart = gitlab.readListings;
    await s.sync({ targetMemory: "use" }); // nothing remembered yet: listed
    expect(gitlab.readListings).toBe(listedAtStart + 1);

    const c2 = await commit(s.work, "two");
    await git(s.work, "tag", "v2");
    await pushTo(s.work, s.sourceBare, "main", "--tags");
    const result = await s.sync({ targetMemory: "use" });

    expect(result.changes).toEqual([
      { ref: "refs/heads/main", action: "fast-forward", oldSha: c1, newSha: c2 },
      { ref: "refs/tags/v2", action: "create", oldSha: null, newSha: c2 },
    ]);
    expect(gitlab.readListings).toBe(listedAtStart + 1); // GitLab was not listed
    expect(await refsOf(s.targetBare)).toEqual(
      new Map([
        ["refs/heads/main", c2],
        ["refs/tags/v2", c2],
      ]),
    );

    // A sync not from a push (reconciliation, a re-run) lists, and finds both sides alike.
    expect(await s.sync({ targetMemory: "keep" })).toEqual({ changes: [], refusals: [], unchangedCount: 2 });
    expect(gitlab.readListings).toBe(listedAtStart + 2);
  });

  it("when the target moved since its last sync, the lease catches it: the sync lists it, plans again, and the other commit survives", async () => {
    const s = await racing(); // synced once; the source has moved on since
    await s.moveTargetMain(); // someone pushes to GitLab after that sync
    const listed = gitlab.readListings;
    const pushes = gitlab.pushes;
    const pushAttempts = gitlab.pushAdvertisements;

    const result = await s.sync({ targetMemory: "use" });

    // Planned from memory and tried: git saw the lease was stale and sent nothing. Listed, planned again: diverged.
    expect(gitlab.pushAdvertisements).toBe(pushAttempts + 1);
    expect(result.changes).toEqual([]);
    expect(result.refusals).toEqual([expect.objectContaining({ ref: "refs/heads/main", reason: "diverged", targetSha: s.concurrent })]);
    // The listing, then the fetch of the commit only GitLab has (to count how far the sides diverged).
    expect(gitlab.readListings).toBe(listed + 2);
    expect(gitlab.pushes).toBe(pushes);
    expect((await refsOf(s.targetBare)).get("refs/heads/main")).toBe(s.concurrent);
  });

  it("plans from memory only while the listing it comes from is under 5 minutes old, however recently it pushed", async () => {
    const s = await scenario();
    await commit(s.work, "one");
    await pushTo(s.work, s.sourceBare, "main");
    const realNow = Date.now.bind(Date);
    let later = 0;
    const clock = jest.spyOn(Date, "now").mockImplementation(() => realNow() + later);
    try {
      await s.sync({ targetMemory: "use" }); // lists
      const listed = gitlab.readListings;

      later = TARGET_MEMORY_MS - 60_000;
      await commit(s.work, "two");
      await pushTo(s.work, s.sourceBare, "main");
      await s.sync({ targetMemory: "use" });
      expect(gitlab.readListings).toBe(listed); // a 4-minute-old listing, plus its own push

      later = TARGET_MEMORY_MS + 1_000; // a minute after the last sync, but the listing is older than 5
      const c3 = await commit(s.work, "three");
      await pushTo(s.work, s.sourceBare, "main");
      await s.sync({ targetMemory: "use" });
      expect(gitlab.readListings).toBe(listed + 1);
      expect((await refsOf(s.targetBare)).get("refs/heads/main")).toBe(c3);
    } finally {
      clock.mockRestore();
    }
  });

  it("remembers a target only for its own URL, not after a sync that failed, and not for a sync that never plans from memory", async () => {
    const s = await scenario();
    const c1 = await commit(s.work, "one");
    await pushTo(s.work, s.sourceBare, "main");
    await s.sync(); // as the pull half and the CLI: nothing kept
    const before = gitlab.readListings;
    await s.sync({ targetMemory: "use" });
    expect(gitlab.readListings).toBe(before + 1);
    const other = await createBareRepo(path.join(tmp, "gitlab"), "group/other-target");
    const listed = gitlab.readListings;

    // The same cache, mirrored to another project: that one is listed (it is empty), not assumed.
    const moved = await s.sync({ targetMemory: "use", target: { ...s.request().target, url: gitlab.url("group/other-target") } });
    expect(moved.changes).toEqual([{ ref: "refs/heads/main", action: "create", oldSha: null, newSha: c1 }]);
    expect(gitlab.readListings).toBe(listed + 1);
    expect((await refsOf(other)).get("refs/heads/main")).toBe(c1);

    await commit(s.work, "two");
    await pushTo(s.work, s.sourceBare, "main");
    await s.syncFailure({ target: { ...s.request().target, url: gitlab.url("group/other-target"), password: WRONG_TOKEN } });
    const beforeRetry = gitlab.readListings;
    await s.sync({ targetMemory: "use", target: { ...s.request().target, url: gitlab.url("group/other-target") } });
    expect(gitlab.readListings).toBe(beforeRetry + 1); // listed again after the failure
  });

  it("pushes atomically: when the server rejects one ref, no ref is updated", async () => {
    const s = await scenario();
    const c1 = await commit(s.work, "one");
    await pushTo(s.work, s.sourceBare, "main");
    await s.sync();
    await commit(s.work, "two");
    await git(s.work, "tag", "v2");
    await pushTo(s.work, s.sourceBare, "main", "main:refs/heads/blocked", "--tags");
    await installHook(s.targetBare, "update", '#!/bin/sh\n[ "$1" = refs/heads/blocked ] && { echo "GitLab: blocked is protected" >&2; exit 1; }\nexit 0\n');

    const error = await s.syncFailure();

    expect(error.code).toBe("protected_branch");
    expect(error.userMessage).toContain("refs/heads/blocked");
    expect(error.userMessage).not.toContain("refs/heads/main");
    expect(await refsOf(s.targetBare)).toEqual(new Map([["refs/heads/main", c1]]));
  });

  it.each(["source", "target"] as const)("a wrong %s token fails with auth_failed and no token in the message", async (side) => {
    const s = await scenario();
    await commit(s.work, "one");
    await pushTo(s.work, s.sourceBare, "main");
    const endpoint = { ...s.request()[side], password: WRONG_TOKEN };

    const error = await s.syncFailure({ [side]: endpoint });

    expect(error.code).toBe("auth_failed");
    expect(error.userMessage).toContain(side === "source" ? "GitHub" : "GitLab");
    for (const text of [error.message, error.advice, String((error.cause as Error | undefined)?.message)]) {
      expect(text).not.toContain(WRONG_TOKEN);
    }
  });

  it("second sync fetches incrementally and does not push when nothing changed", async () => {
    const s = await scenario();
    await commit(s.work, "one");
    await git(s.work, "tag", "v1");
    await pushTo(s.work, s.sourceBare, "main", "--tags");
    await s.sync();
    const pushes = gitlab.pushes;
    const objects = await objectCount(s.cacheDir);

    expect(await s.sync()).toEqual({ changes: [], refusals: [], unchangedCount: 2 });
    expect(gitlab.pushes).toBe(pushes);
    expect(await objectCount(s.cacheDir)).toBe(objects);

    await commit(s.work, "two");
    await pushTo(s.work, s.sourceBare, "main");
    const result = await s.sync();

    expect(result.changes.map((c) => c.action)).toEqual(["fast-forward"]);
    expect(gitlab.pushes).toBe(pushes + 1);
    expect(await objectCount(s.cacheDir)).toBe(objects + 3); // one commit, its tree, one blob
  });

  it("first sync clones the cache (no remote left in its config) and reports objects received and sent", async () => {
    const s = await scenario();
    for (let i = 0; i < 5; i++) await commit(s.work, `c${i}`);
    await pushTo(s.work, s.sourceBare, "main");
    const seen: Array<{ received?: { done: number; total: number }; sent?: { done: number; total: number } }> = [];

    await s.sync({ onProgress: (progress) => seen.push(progress) });

    expect(await refsOf(s.targetBare)).toEqual(await refsOf(s.sourceBare, "refs/heads", "refs/tags"));
    expect(await readFile(path.join(s.cacheDir, "config"), "utf8")).not.toMatch(/remote|url/);
    const objects = Number(await objectCount(s.sourceBare));
    const last = seen.at(-1)!;
    expect(last.received).toEqual({ done: objects, total: objects });
    expect(last.sent).toEqual({ done: objects, total: objects });

    // A later sync fetches into the cache as before, and says what it moved.
    await commit(s.work, "next");
    await pushTo(s.work, s.sourceBare, "main");
    seen.length = 0;
    await s.sync({ onProgress: (progress) => seen.push(progress) });
    expect(await refsOf(s.targetBare)).toEqual(await refsOf(s.sourceBare, "refs/heads", "refs/tags"));
    expect(seen.at(-1)?.sent).toEqual({ done: 3, total: 3 });
  });

  it("stops a git process that outlives timeoutMs with a timeout error", async () => {
    const s = await scenario();
    await commit(s.work, "one");
    await pushTo(s.work, s.sourceBare, "main");
    let release!: (reason: Error) => void;
    const held = new Promise<void>((_, reject) => (release = reject));
    gitlab.beforePush = () => held;

    const error = await s.syncFailure({ timeoutMs: 1500 });
    release(new Error("test over")); // the server answers 500 to the abandoned push

    expect(error.code).toBe("timeout");
    expect(error.retryable).toBe(true);
    expect((await refsOf(s.targetBare)).size).toBe(0);
  });

  describe("backup refs", () => {
    const at = new Date("2026-12-05T04:40:00.123Z");
    const backups = { now: () => at };
    const backupOf = (name: string) => `refs/mirror-backup/heads/${name}/20261205T044000Z`;

    it("keep the replaced tip of a followed rewrite, in the same push as the update", async () => {
      const s = await rewrittenAfterMirroring();

      const result = await s.sync({ backups });

      expect(result.changes[0]).toEqual({
        ref: "refs/heads/main",
        action: "force-update",
        oldSha: s.mirrored,
        newSha: s.rewritten,
        because: "followed",
        backupRef: backupOf("main"),
      });
      expect(await refsOf(s.targetBare)).toEqual(
        new Map([
          ["refs/heads/main", s.rewritten],
          ["refs/heads/other", s.otherTip],
          [backupOf("main"), s.mirrored],
        ]),
      );
      // Never mirrored and never drift: the next sync sees nothing to do.
      expect(await s.sync({ backups })).toEqual({ changes: [], refusals: [], unchangedCount: 2 });
    });

    it("land with their update or not at all: a target refusing the backup keeps the old tip too", async () => {
      const s = await rewrittenAfterMirroring();
      await installHook(s.targetBare, "pre-receive", "#!/bin/sh\nwhile read old new ref; do case $ref in refs/mirror-backup/*) echo 'no backups here' >&2; exit 1;; esac; done\n");

      const error = await s.syncFailure({ backups });

      expect(error.code).not.toBe("internal");
      expect(await refsOf(s.targetBare)).toEqual(
        new Map([
          ["refs/heads/main", s.mirrored],
          ["refs/heads/other", s.mirrored],
        ]),
      );
    });

    it("are not taken for a deletion whose commits another branch holds, and are for one whose commits only the source removed", async () => {
      const s = await scenario();
      const c1 = await commit(s.work, "one");
      const topic = await commit(s.work, "topic only", "topic");
      await pushTo(s.work, s.sourceBare, `${c1}:refs/heads/main`, `${c1}:refs/heads/merged`, "topic");
      await s.sync();
      await pushTo(s.work, s.sourceBare, ":refs/heads/merged", ":refs/heads/topic");

      const result = await s.sync({ backups });

      expect(result.changes).toEqual([
        { ref: "refs/heads/merged", action: "delete", oldSha: c1, newSha: null },
        { ref: "refs/heads/topic", action: "delete", oldSha: topic, newSha: null, because: "followed", backupRef: backupOf("topic") },
      ]);
      expect(await refsOf(s.targetBare)).toEqual(
        new Map([
          ["refs/heads/main", c1],
          [backupOf("topic"), topic],
        ]),
      );
    });

    it("fetch a tip the cache never saw from the target first (a deletion vouched for by the push's before)", async () => {
      const s = await scenario();
      await commit(s.work, "one");
      const topic = await commit(s.work, "topic only", "topic");
      await pushTo(s.work, s.sourceBare, "main");
      await pushTo(s.work, s.targetBare, "main", "topic"); // mirrored by an earlier install, or another replica; since deleted on GitHub

      // A cache and a record that never saw topic: only the push's before vouches for GitLab's tip.
      const result = await s.sync({ backups, befores: new Map([["refs/heads/topic", new Set([topic])]]) });

      expect(result.changes).toEqual([{ ref: "refs/heads/topic", action: "delete", oldSha: topic, newSha: null, because: "followed", backupRef: backupOf("topic") }]);
      expect((await refsOf(s.targetBare)).get(backupOf("topic"))).toBe(topic);
      expect((await refsOf(s.targetBare)).has("refs/heads/topic")).toBe(false);
    });

    it("restore a backup onto its branch, and refuse when the branch moves meanwhile", async () => {
      const s = await rewrittenAfterMirroring();
      await s.sync({ backups });
      const side = { endpoint: s.request().target, remote: "GitLab" as const, timeoutMs: GIT_TIMEOUT_MS };
      const later = new Date("2026-12-06T00:00:00Z");

      // A push lands on GitLab between the restore's listing and its push: the lease stops it.
      const moved = await commit(s.work, "pushed to GitLab meanwhile");
      gitlab.beforePush = async () => {
        gitlab.beforePush = undefined;
        await pushTo(s.work, s.targetBare, `+${moved}:refs/heads/main`);
      };
      const error = await restoreBackup(side, backupOf("main"), later).then(
        () => new Error("expected the restore to fail"),
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MirrorError);
      expect((error as MirrorError).code).toBe("lease_lost");
      expect((await refsOf(s.targetBare)).get("refs/heads/main")).toBe(moved);

      const restored = await restoreBackup(side, backupOf("main"), later);

      expect(restored).toEqual({ ref: "refs/heads/main", oldSha: moved, newSha: s.mirrored, keptAs: "refs/mirror-backup/heads/main/20261206T000000Z" });
      const refs = await refsOf(s.targetBare);
      expect(refs.get("refs/heads/main")).toBe(s.mirrored);
      expect(refs.get("refs/mirror-backup/heads/main/20261206T000000Z")).toBe(moved);
    });

    it("are taken under force: true too", async () => {
      const s = await diverged();

      const result = await s.sync({ force: true, backups });

      expect(result.changes).toContainEqual({
        ref: "refs/heads/main",
        action: "force-update",
        oldSha: s.targetTip,
        newSha: s.sourceTip,
        because: "forced",
        backupRef: backupOf("main"),
      });
      expect((await refsOf(s.targetBare)).get(backupOf("main"))).toBe(s.targetTip);
    });
  });

  it("sends each token only to its own host", () => {
    expect(gitlab.passwordsSeen.has(SOURCE.token)).toBe(false);
    expect(github.passwordsSeen.has(SOURCE.token)).toBe(true);
    expect(gitlab.passwordsSeen.has(TARGET.token)).toBe(true);
  });

  it("leaves no token in any cache directory or error message (runs last)", async () => {
    const needles = [SOURCE.token, TARGET.token, WRONG_TOKEN].flatMap((token) => [
      token,
      ...[SOURCE.username, TARGET.username].map((user) => Buffer.from(`${user}:${token}`).toString("base64")),
    ]);
    expect(cacheDirs.length).toBeGreaterThan(5);
    for (const dir of cacheDirs) expect(await filesContaining(dir, needles)).toEqual([]);
    // Only what `git init --bare` writes: no remote, no URL, no header.
    const config = await readFile(path.join(cacheDirs[0]!, "config"), "utf8");
    expect(config).not.toMatch(/remote|url|extraheader|127\.0\.0\.1/i);
    expect(errorsSeen.length).toBeGreaterThan(4);
    for (const error of errorsSeen as MirrorError[]) {
      const texts = [error.message, error.userMessage, error.advice, String(error.stack), String((error.cause as Error)?.message)];
      for (const text of texts) for (const needle of needles) expect(text).not.toContain(needle);
    }
  });
});
