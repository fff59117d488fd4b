/**
 * @requires-system git-lfs
 *
 * Git LFS mirroring with the real engine against the sandbox's fake GitHub and GitLab (real git
 * over smart HTTP, the LFS batch API and basic transfers on disk). A developer's clone uses the
 * real `git lfs` client on both sides: it uploads what the mirror reads, and a checkout from the
 * mirror's target downloads what the mirror copied.
 */
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { runLfsCase } from "../../bench/lfs.js";
import { FakeGitHub, type CreatedRepo } from "../../sandbox/fake-github.js";
import { FakeGitLab } from "../../sandbox/fake-gitlab.js";
import { parseEnv } from "../../src/env.js";
import { MirrorError } from "../../src/errors.js";
import { agreedRefsFile } from "../../src/mirror/agreed-refs.js";
import { mirrorRefs } from "../../src/mirror/mirror-refs.js";
import type { BlockedRef, MirrorRequest, MirrorResult } from "../../src/mirror/types.js";
import { renderMirrorReport } from "../../src/report/render-mirror-report.js";
import { makeTempDir, removeDir } from "../helpers/git-fixtures.js";
import { LfsWorkClone } from "../helpers/lfs-work.js";

const GIT_TIMEOUT_MS = parseEnv({}).gitTimeoutMs;

let tmp: string;
let github: FakeGitHub;
let gitlab: FakeGitLab;
let ghToken: string;
const seen: unknown[] = []; // every result, report and error, scanned for secrets at the end
let scenarios = 0;

beforeAll(async () => {
  tmp = await makeTempDir("lfs-mirror-");
  github = await FakeGitHub.start({ root: path.join(tmp, "github") });
  gitlab = await FakeGitLab.start({ root: path.join(tmp, "gitlab") });
  ghToken = github.createInstallationToken();
});

afterAll(async () => {
  await Promise.all([github?.close(), gitlab?.close()]);
  if (tmp) await removeDir(tmp);
});

const pointer = ({ oid, size }: { oid: string; size: number }) => `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${size}\n`;
const bytes = (text: string, repeat: number) => Readable.from([Buffer.from(text.repeat(repeat))]);
const lfsRequests = (fake: { requests: Array<{ method: string; path: string }> }) =>
  fake.requests.filter((r) => /\/info\/lfs\/|\/gitlab-lfs\/|^\/_lfs\//.test(r.path)).map((r) => `${r.method} ${r.path}`);

/** A GitHub repository (new, or `existing`) and a new GitLab project, and a sync between them either way. */
async function scenario(existing?: CreatedRepo) {
  const id = `r${++scenarios}`;
  const repo = existing ?? (await github.createRepo({ owner: "octo", name: id, files: { "README.md": "# assets\n" } }));
  const project = await gitlab.createProject({ path: `group/${id}` });
  const sides = {
    github: { url: repo.cloneUrl, username: "x-access-token", password: ghToken },
    gitlab: { url: project.httpUrl, username: "oauth2", password: gitlab.token },
  };
  const base = (cache: string): Omit<MirrorRequest, "source" | "target"> => ({
    cacheDir: path.join(tmp, "cache", `${id}.${cache}`),
    includeRef: () => true,
    force: false,
    prune: true,
    agreed: agreedRefsFile(path.join(tmp, "agreed", `${id}.${cache}.json`)),
    timeoutMs: GIT_TIMEOUT_MS,
  });
  const record = <T>(value: T): T => (seen.push(value), value);
  const push = (overrides: Partial<MirrorRequest> = {}): Promise<MirrorResult> =>
    mirrorRefs({ ...base("push"), source: sides.github, target: sides.gitlab, ...overrides }).then(record, (error: unknown) => {
      throw record(error);
    });
  const pull = (overrides: Partial<MirrorRequest> = {}): Promise<MirrorResult> =>
    mirrorRefs({ ...base("pull"), source: sides.gitlab, target: sides.github, sides: { source: "GitLab", target: "GitHub" }, ...overrides }).then(record);
  return { id, repo, project, push, pull, fullName: repo.fullName, projectPath: project.path };
}

test("LFS files are mirrored both ways, and a checkout on the target gets their contents", async () => {
  const s = await scenario();
  const dev = await LfsWorkClone.clone(s.repo.cloneUrl, github.userToken, path.join(tmp, "work", `${s.id}-github`));
  const model = Buffer.alloc(300 * 1024, "model weights ");
  await dev.commit("Add assets", { "models/model.bin": model, "textures/stone.bin": "stone texture\n" });
  await dev.push("HEAD:main");

  const pushed = await s.push();
  expect(pushed.changes.map((c) => c.ref)).toEqual(["refs/heads/main"]);
  expect(pushed.lfs).toEqual({ copied: 2, bytes: model.length + "stone texture\n".length });
  expect(renderMirrorReport({ projectPath: s.projectPath, result: pushed, durationMs: 1200, attempts: 1 }).output.title).toBe(
    "Mirrored 1 ref and 2 LFS objects (300 KB) to GitLab in 1.2 s",
  );

  // A developer on GitLab clones (git lfs downloads from GitLab), adds a file, pushes it there.
  const other = await LfsWorkClone.clone(s.project.httpUrl, gitlab.token, path.join(tmp, "work", `${s.id}-gitlab`));
  expect(await readFile(path.join(other.dir, "models/model.bin"))).toEqual(model);
  expect(await readFile(path.join(other.dir, "textures/stone.bin"), "utf8")).toBe("stone texture\n");
  await other.commit("Add a sound from GitLab", { "sounds/bell.bin": "ding\n" });
  await other.push("HEAD:main");

  const pulled = await s.pull();
  expect(pulled.changes.map((c) => c.ref)).toEqual(["refs/heads/main"]);
  expect(pulled.lfs).toEqual({ copied: 1, bytes: 5 }); // only the new object: GitHub has the others
  const check = await LfsWorkClone.clone(s.repo.cloneUrl, github.userToken, path.join(tmp, "work", `${s.id}-check`));
  expect(await readFile(path.join(check.dir, "sounds/bell.bin"), "utf8")).toBe("ding\n");
  expect(await readFile(path.join(check.dir, "models/model.bin"))).toEqual(model);
});

test("an incremental push transfers only the new object, and a push without LFS changes makes no LFS request", async () => {
  const s = await scenario();
  const first = await github.writeLfsObject(s.fullName, bytes("first ", 1000));
  await github.commitAndPush(s.fullName, { branch: "main", files: { "a.bin": pointer(first) } });
  expect((await s.push()).lfs?.copied).toBe(1);

  const second = await github.writeLfsObject(s.fullName, bytes("second ", 1000));
  await github.commitAndPush(s.fullName, { branch: "main", files: { "b.bin": pointer(second) } });
  gitlab.resetRequests();
  expect((await s.push()).lfs).toEqual({ copied: 1, bytes: second.size });
  expect(lfsRequests(gitlab).filter((r) => r.startsWith("PUT"))).toEqual([`PUT /${s.projectPath}.git/gitlab-lfs/objects/${second.oid}/${second.size}`]);

  await github.commitAndPush(s.fullName, { branch: "main", files: { "README.md": "# assets, documented\n" } });
  github.resetRequests();
  gitlab.resetRequests();
  const plain = await s.push();
  expect(plain.changes).toHaveLength(1);
  expect(plain.lfs).toBeUndefined();
  expect([...lfsRequests(github), ...lfsRequests(gitlab)]).toEqual([]);
});

test("lfs: false pushes the pointers as they are and says so; GitLab's integrity check then refuses, and the error says to remove lfs: false", async () => {
  const s = await scenario();
  const object = await github.writeLfsObject(s.fullName, bytes("unshared ", 100));
  await github.commitAndPush(s.fullName, { branch: "main", files: { "data.bin": pointer(object) } });

  const refused = await s.push({ lfs: { enabled: false, cacheBytes: 0 } }).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(MirrorError);
  expect((refused as MirrorError).code).toBe("lfs_objects_missing");
  expect((refused as MirrorError).advice).toMatch(/Remove `lfs: false`/);
  expect((await gitlab.refs(s.projectPath)).has("refs/heads/main")).toBe(false);
  expect(lfsRequests(gitlab)).toEqual([]);

  gitlab.setLfs(s.projectPath, { enabled: false }); // GitLab checks only projects with LFS on
  const pushed = await s.push({ lfs: { enabled: false, cacheBytes: 0 } });
  expect(pushed.changes.map((c) => c.ref)).toEqual(["refs/heads/main"]);
  expect(pushed.lfs).toEqual({ copied: 0, bytes: 0, notCopied: 1 });
  const report = renderMirrorReport({ projectPath: s.projectPath, result: pushed, durationMs: 800, attempts: 1 });
  expect(report.conclusion).toBe("success");
  expect(report.output.title).toBe("Mirrored 1 ref to GitLab in 0.8 s (LFS objects not copied: lfs: false)");
  expect(report.output.summary).toMatch(/Git LFS objects were not copied.*Remove `lfs: false`/s);
});

describe("a ref whose LFS objects cannot be copied is left out, with the objects and the cause; the other refs go", () => {
  /** One GitHub repository for every case: `main` without LFS, `assets` with one LFS file. */
  let source: Promise<{ repo: CreatedRepo; object: { oid: string; size: number } }> | undefined;
  const assetsRepo = () =>
    (source ??= (async () => {
      const repo = await github.createRepo({ owner: "octo", name: "causes", files: { "README.md": "# assets\n" } });
      const object = await github.writeLfsObject(repo.fullName, bytes("asset ", 2 * 1024));
      await github.commitAndPush(repo.fullName, { branch: "assets", files: { "art/hero.bin": pointer(object) }, message: "Add the hero" });
      await github.commitAndPush(repo.fullName, { branch: "main", files: { "README.md": "# more docs\n" } });
      return { repo, object };
    })());

  /** Mirrors the repository to a new GitLab project set up by `prepare`. */
  async function mirrorAssets(prepare: (s: Awaited<ReturnType<typeof scenario>>, object: { oid: string; size: number }) => Promise<void> | void) {
    const { repo, object } = await assetsRepo();
    const s = await scenario(repo);
    await prepare(s, object);
    const result = await s.push();
    expect(result.changes.map((c) => c.ref)).toEqual(["refs/heads/main"]);
    expect([...(await gitlab.refs(s.projectPath)).keys()]).toEqual(["refs/heads/main"]);
    expect(result.blocked).toHaveLength(1);
    const blocked = result.blocked![0] as Extract<BlockedRef, { rule: "lfs" }>;
    expect(blocked).toMatchObject({ ref: "refs/heads/assets", rule: "lfs", objects: [{ oid: object.oid, size: object.size, path: "art/hero.bin" }] });
    const report = renderMirrorReport({ projectPath: s.projectPath, result, durationMs: 1000, attempts: 1 });
    expect(report.conclusion).toBe("failure");
    expect(report.output.summary).toContain("`art/hero.bin` (12 KB, `" + object.oid.slice(0, 12));
    return { blocked, report };
  }

  test("over the target's size limit, in GitLab's words", async () => {
    const { blocked, report } = await mirrorAssets((s) => gitlab.setLfs(s.projectPath, { sizeLimitBytes: 4 * 1024 }));
    expect(blocked.cause).toBe("target-limit");
    expect(blocked.serviceMessage).toMatch(
      /^Your push has been rejected, because this repository has exceeded its size limit of 4 KB by 8 KB\. Please contact your GitLab administrator/,
    );
    expect(report.output.summary).toContain(`> ${blocked.serviceMessage}`);
  });

  test("LFS disabled on the target project, with how to enable it", async () => {
    const { blocked, report } = await mirrorAssets((s) => gitlab.setLfs(s.projectPath, { enabled: false }));
    expect(blocked.cause).toBe("lfs-disabled");
    expect(report.output.title).toBe("assets not mirrored: Git LFS is disabled on GitLab");
    expect(report.output.summary).toContain("Git Large File Storage (LFS)");
    expect(report.output.summary).toContain("lfs_enabled=true");
  });

  test("missing on the source", async () => {
    const { blocked, report } = await mirrorAssets(async (s, object) => rm(github.lfsObjectPath(s.fullName, object.oid)));
    expect(blocked.cause).toBe("missing-on-source");
    expect(blocked.serviceMessage).toBe("Object does not exist on the server or you don't have permissions to access it");
    expect(report.output.title).toBe("assets not mirrored: its LFS objects are missing on GitHub");
    expect(report.output.summary).toContain("git lfs push --all origin");
  });
});

test("no secret in any LFS request's URL or body, any result, report or error", async () => {
  const secrets = [ghToken, gitlab.token, github.userToken];
  const basics = secrets.flatMap((t) => [Buffer.from(`x-access-token:${t}`).toString("base64"), Buffer.from(`oauth2:${t}`).toString("base64")]);
  const requests = [...github.requests, ...gitlab.requests].filter((r) => /lfs/.test(r.path));
  expect(requests.length).toBeGreaterThan(0);
  const texts = [
    ...requests.map((r) => r.path),
    ...[...github.lfsBatches, ...gitlab.lfsBatches].map((b) => b.body),
    ...seen.map((value) => (value instanceof Error ? `${value.message}\n${(value as MirrorError).advice ?? ""}` : JSON.stringify(value))),
  ];
  for (const text of texts) for (const secret of [...secrets, ...basics]) expect(text).not.toContain(secret);
  // GitHub's media host gets its own one-time token, never the git credentials.
  for (const r of github.requests.filter((r) => r.path.startsWith("/_lfs/"))) expect(String(r.headers.authorization)).toMatch(/^RemoteAuth /);
});

test("a 200 MB object mirrors with bounded memory, streamed through when larger than the cache's bound", async () => {
  const dir = await makeTempDir("lfs-200mb-");
  try {
    // The engine runs in a process of its own (bench/lfs-sync.ts), which reads its peak resident set from the kernel.
    const run = await runLfsCase({ dir, sizeBytes: 200 * 1024 * 1024, cacheMb: 64, label: "200 MB" });
    expect(run).toMatchObject({ path: "streamed", copied: 1, arrived: true });
    expect(run.rssGrowthMb).toBeLessThan(100); // holding the object whole would take 200 MB
  } finally {
    await removeDir(dir);
  }
});
