/**
 * GitHub → GitLab end to end: the real app process, real git, signed webhooks, fake GitHub and
 * GitLab APIs. Each test makes its own repository and project, so they do not interfere.
 */
import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { waitFor } from "../../sandbox/index.js";
import { startE2E, type E2E } from "../helpers/e2e.js";

const MIRROR = (project: string) => `GitLab mirror (${project})`;
let e2e: E2E;
let argvLog: string;

beforeAll(async () => {
  // Every git process the app starts goes through this wrapper, which records its arguments:
  // the secret scan at the end proves no token ever reached a command line.
  const { mkdtemp } = await import("node:fs/promises");
  const os = await import("node:os");
  const dir = await mkdtemp(path.join(os.tmpdir(), "git-argv-"));
  argvLog = path.join(dir, "argv.log");
  await mkdir(path.join(dir, "bin"));
  await writeFile(path.join(dir, "bin", "git"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec /usr/bin/git "$@"\n`);
  await chmod(path.join(dir, "bin", "git"), 0o755);
  await writeFile(argvLog, "");
  e2e = await startE2E({ PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, LOG_LEVEL: "debug" });
});

afterAll(async () => {
  await e2e?.stop();
});

describe("mirroring GitHub pushes to GitLab", () => {
  it("mirrors a push and reports a successful check run linking the GitLab commit", async () => {
    const { repo, project } = await e2e.linkedPair();
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "a.txt": "hello" } });
    const delivery = await e2e.deliverPush(repo, push);
    expect(delivery.status).toBe(200);

    await e2e.waitForGitLabRef(project, "refs/heads/main", push.after);
    const check = await e2e.waitForCheck(repo, push.after, MIRROR(project));
    expect(check.conclusion).toBe("success");
    expect(check.output.title).toMatch(/^Mirrored \d+ refs? to GitLab in \d+\.\d s$/);
    expect(check.output.text).toContain("branch `main`");
    expect(check.output.text).toContain(`/-/commit/${push.after}`);
  });

  it("also mirrors a push delivered to Probot's own route, where its webhook proxy (smee) forwards", async () => {
    const { repo, project } = await e2e.linkedPair();
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "via-probot.txt": "proxied" } });
    const payload = e2e.sandbox.github.pushEvent(repo, push);
    const delivery = await e2e.sandbox.github.deliver(`${e2e.app.url}/api/github/webhooks/probot`, "push", payload);
    expect(delivery.status).toBe(200);

    await e2e.waitForGitLabRef(project, "refs/heads/main", push.after);
    expect((await e2e.waitForCheck(repo, push.after, MIRROR(project))).conclusion).toBe("success");
  });

  it("mirrors tags and only the branches and tags the filters name", async () => {
    const { repo, project } = await e2e.linkedPair({
      mirrorYml: (p) => `mirrors:\n  - gitlab: ${p}\n    branches: ["main", "release/*"]\n    tags: ["v*"]\n`,
    });
    await e2e.sandbox.github.commitAndPush(repo, { branch: "feature/x", files: { "f.txt": "f" } });
    await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "n.txt": "n" }, tag: "nightly" });
    const release = await e2e.sandbox.github.commitAndPush(repo, { branch: "release/1.0", files: { "r.txt": "r" }, tag: "v1.0" });
    await e2e.deliverPush(repo, release);

    const check = await e2e.waitForCheck(repo, release.after, MIRROR(project));
    expect(check.conclusion).toBe("success");
    const github = await e2e.sandbox.github.refs(repo);
    const gitlab = await e2e.sandbox.gitlab.refs(project);
    expect([...gitlab.keys()].sort()).toEqual(["refs/heads/main", "refs/heads/release/1.0", "refs/tags/v1.0"]);
    expect(gitlab.get("refs/heads/main")).toBe(github.get("refs/heads/main"));
    expect(gitlab.get("refs/tags/v1.0")).toBe(github.get("refs/tags/v1.0"));
    // A push to a branch the filters exclude gets no check run.
    const feature = github.get("refs/heads/feature/x")!;
    expect(e2e.sandbox.github.checkRuns(repo).filter((r) => r.head_sha === feature && r.name === MIRROR(project))).toEqual([]);
  });

  it("propagates a branch deletion that loses nothing", async () => {
    const { repo, project } = await e2e.linkedPair();
    const topic = await e2e.sandbox.github.commitAndPush(repo, { branch: "topic", from: "main", files: { "t.txt": "topic" } });
    await e2e.deliverPush(repo, topic);
    await e2e.waitForGitLabRef(project, "refs/heads/topic", topic.after);
    // Merge topic into main (a fast-forward), then delete it: GitLab's topic holds nothing main lacks.
    const merged = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", parent: topic.after, files: { "m.txt": "merged" } });
    await e2e.deliverPush(repo, merged);
    await e2e.waitForGitLabRef(project, "refs/heads/main", merged.after);

    const deletion = await e2e.sandbox.github.commitAndPush(repo, { branch: "topic", deleteBranch: true });
    await e2e.deliverPush(repo, { ...deletion, deleted: true });
    await e2e.waitForGitLabRef(project, "refs/heads/topic", null);
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(merged.after);
  });

  it("keeps a deleted branch on GitLab when that would lose commits made on GitLab, and says so on the default branch", async () => {
    const { repo, project } = await e2e.linkedPair();
    const topic = await e2e.sandbox.github.commitAndPush(repo, { branch: "unmerged", from: "main", files: { "u.txt": "only here" } });
    await e2e.deliverPush(repo, topic);
    await e2e.waitForGitLabRef(project, "refs/heads/unmerged", topic.after);
    const onGitLab = await e2e.sandbox.gitlab.commitAndPush(project, { branch: "unmerged", files: { "g.txt": "made on GitLab" } });

    const deletion = await e2e.sandbox.github.commitAndPush(repo, { branch: "unmerged", deleteBranch: true });
    await e2e.deliverPush(repo, { ...deletion, deleted: true });
    const head = (await e2e.sandbox.github.refs(repo)).get("refs/heads/main")!;
    const check = await waitFor(() => e2e.sandbox.github.checkRuns(repo).find((r) => r.head_sha === head && r.name === MIRROR(project) && r.conclusion === "failure"), {
      timeoutMs: 20_000,
      what: "a failing check run on the default branch",
    });
    expect(check.output.title).toBe("unmerged was not deleted on GitLab: it holds commits GitHub does not have");
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/unmerged")).toBe(onGitLab.after);
  });

  it("refuses to overwrite a branch that diverged on GitLab, and says how to get out", async () => {
    const { repo, project } = await e2e.linkedPair();
    const first = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "a.txt": "1" } });
    await e2e.deliverPush(repo, first);
    await e2e.waitForGitLabRef(project, "refs/heads/main", first.after);

    const onGitLab = await e2e.sandbox.gitlab.commitAndPush(project, { branch: "main", files: { "gitlab.txt": "made on GitLab" } });
    const onGitHub = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "github.txt": "made on GitHub" } });
    await e2e.deliverPush(repo, onGitHub);

    const check = await e2e.waitForCheck(repo, onGitHub.after, MIRROR(project));
    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toBe("main has diverged on GitLab: not overwritten");
    expect(check.output.summary).toContain(onGitHub.after.slice(0, 7));
    expect(check.output.summary).toContain(onGitLab.after.slice(0, 7));
    expect(check.output.summary).toContain("GitHub has 1 commit(s) GitLab lacks; GitLab has 1 commit(s) GitHub lacks.");
    expect(check.output.summary).toContain("force: true");
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(onGitLab.after);
  });

  it("says which rule refused a push when GitLab's branch is protected", async () => {
    const { repo, project } = await e2e.linkedPair({ mirrorYml: (p) => `mirrors:\n  - gitlab: ${p}\n    force: true\n` });
    const first = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "a.txt": "1" } });
    await e2e.deliverPush(repo, first);
    await e2e.waitForGitLabRef(project, "refs/heads/main", first.after);
    await e2e.sandbox.gitlab.protectBranch(project, "main");
    // A rewrite on GitHub needs a force push, which the protected branch forbids.
    const rewrite = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", force: true, files: { "a.txt": "rewritten" } });
    const pushesBefore = e2e.sandbox.gitlab.pushCount(project);
    await e2e.deliverPush(repo, rewrite);

    // The pre-flight reads GitLab's protected branches and names the rule before any push is tried.
    const check = await e2e.waitForCheck(repo, rewrite.after, MIRROR(project));
    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toBe("main is protected on GitLab against force pushes: not overwritten");
    expect(check.output.summary).toContain("Unprotect it or allow force push for the token's role in GitLab's **Settings → Repository → Protected branches**");
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(first.after);
    expect(e2e.sandbox.gitlab.pushCount(project)).toBe(pushesBefore);
  });

  it("fails an invalid .mirror.yml on the pushed commit with an annotation on the exact line", async () => {
    const { repo } = await e2e.linkedPair();
    const bad = "mirrors:\n  - gitlab: group/project\n    direction: sideways\n";
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "change-config", files: { ".mirror.yml": bad } });
    await e2e.deliverPush(repo, push);

    const check = await e2e.waitForCheck(repo, push.after, "Mirror config (.mirror.yml)");
    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toContain("direction must be one of push, pull, both");
    const annotations = e2e.sandbox.github.checkRuns(repo).find((r) => r.id === check.id)!.annotations;
    expect(annotations).toEqual([expect.objectContaining({ path: ".mirror.yml", start_line: 3, end_line: 3, annotation_level: "failure" })]);
  });

  it("does nothing for a repository without .mirror.yml", async () => {
    const { fullName: repo } = await e2e.sandbox.github.createRepo({ owner: "octo", name: `plain${Date.now()}`, files: { "README.md": "x" } });
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "b.txt": "b" } });
    e2e.sandbox.github.resetRequests();
    await e2e.deliverPush(repo, push);
    await e2e.app.waitForLog((line) => line.includes(repo) && line.includes("nothing to do"), 20_000);
    expect(e2e.sandbox.github.checkRuns(repo)).toEqual([]);
    const gitRequests = e2e.sandbox.github.requests.filter((r) => r.path.includes(`/${repo}.git/`));
    expect(gitRequests).toEqual([]);
  });

  it("names a GitLab project that does not exist, and the scopes the token needs", async () => {
    const { repo } = await e2e.linkedPair({ mirrorYml: () => "mirrors:\n  - gitlab: nowhere/missing\n" });
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "c.txt": "c" } });
    await e2e.deliverPush(repo, push);
    const check = await e2e.waitForCheck(repo, push.after, MIRROR("nowhere/missing"));
    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toBe(`GitLab project nowhere/missing was not found on ${e2e.sandbox.gitlab.url}`);
    expect(check.output.summary).toContain("`api` and `write_repository`");
  });

  it("coalesces a burst of 20 pushes: GitLab ends at the last commit, every check run completes", async () => {
    const { repo, project } = await e2e.linkedPair();
    const pushes = [];
    for (let i = 0; i < 20; i++) pushes.push(await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "n.txt": String(i) } }));
    const pushesBefore = e2e.sandbox.gitlab.pushCount(project);
    const responses = await Promise.all(pushes.map((p) => e2e.deliverPush(repo, p)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));

    const last = pushes.at(-1)!;
    await e2e.waitForGitLabRef(project, "refs/heads/main", last.after);
    const check = await e2e.waitForCheck(repo, last.after, MIRROR(project));
    expect(check.conclusion).toBe("success");
    await waitFor(() => e2e.sandbox.github.checkRuns(repo).every((r) => r.status === "completed"), { timeoutMs: 20_000, what: "every check run completed" });
    const runs = e2e.sandbox.github.checkRuns(repo).filter((r) => r.name === MIRROR(project));
    expect(runs.every((r) => r.conclusion === "success")).toBe(true);
    // Coalescing: far fewer syncs (and git pushes) than deliveries.
    expect(e2e.sandbox.gitlab.pushCount(project) - pushesBefore).toBeLessThan(20);
    expect(runs.length).toBeLessThan(20);
  });

  it("retries when GitLab answers 500, then succeeds and says so", async () => {
    const { repo, project } = await e2e.linkedPair();
    e2e.sandbox.gitlab.failNext({ method: "POST", path: /git-receive-pack$/, status: 500, count: 2 });
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "d.txt": "d" } });
    await e2e.deliverPush(repo, push);
    const check = await e2e.waitForCheck(repo, push.after, MIRROR(project));
    expect(check.conclusion).toBe("success");
    expect(check.output.summary).toContain("after 3 attempts");
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(push.after);
  });

  it("processes the same delivery once", async () => {
    const { repo, project } = await e2e.linkedPair();
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "e.txt": "e" } });
    const before = e2e.sandbox.gitlab.pushCount(project);
    const first = await e2e.deliverPush(repo, push, "delivery-twice");
    await e2e.waitForCheck(repo, push.after, MIRROR(project));
    const second = await e2e.deliverPush(repo, push, "delivery-twice");
    expect([first.status, second.status]).toEqual([200, 200]);
    await e2e.app.waitForLog((line) => line.includes("delivery-twice") && line.includes("duplicate"), 10_000);
    expect(e2e.sandbox.github.checkRuns(repo).filter((r) => r.name === MIRROR(project))).toHaveLength(1);
    expect(e2e.sandbox.gitlab.pushCount(project) - before).toBe(1);
  });

  it("copies the Git LFS objects a push points to before pushing, and counts them in the check run", async () => {
    const { repo, project } = await e2e.linkedPair();
    const { Readable } = await import("node:stream");
    const object = await e2e.sandbox.github.writeLfsObject(repo, Readable.from([Buffer.alloc(12 * 1024, "texture ")]));
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${object.oid}\nsize ${object.size}\n`;
    const push = await e2e.sandbox.github.commitAndPush(repo, {
      branch: "main",
      files: { "art/stone.bin": pointer, ".gitattributes": "*.bin filter=lfs diff=lfs merge=lfs -text\n" },
    });
    await e2e.deliverPush(repo, push);

    const check = await e2e.waitForCheck(repo, push.after, MIRROR(project));
    expect(check.conclusion).toBe("success");
    expect(check.output.title).toMatch(/^Mirrored 1 ref and 1 LFS object \(12 KB\) to GitLab in \d+\.\d s$/);
    expect((await readFile(e2e.sandbox.gitlab.lfsObjectPath(project, object.oid))).length).toBe(object.size);
  });
});

describe("secrets", () => {
  it("never appear in logs, check runs, git arguments or the cache directory", async () => {
    const secrets = [e2e.sandbox.gitlabToken, e2e.sandbox.webhookSecret, ...e2e.sandbox.github.issuedTokens];
    const withEncodings = secrets.flatMap((s) => [s, Buffer.from(`x-access-token:${s}`).toString("base64"), Buffer.from(`oauth2:${s}`).toString("base64")]);
    expect(secrets.length).toBeGreaterThan(2);

    const places: Array<[string, string]> = [
      ["app logs", e2e.app.logs().join("\n")],
      ["git arguments", await readFile(argvLog, "utf8")],
      ["check runs", JSON.stringify(e2e.sandbox.github.allCheckRuns())],
      ["LFS requests", JSON.stringify([...e2e.sandbox.github.lfsBatches, ...e2e.sandbox.gitlab.lfsBatches, ...e2e.sandbox.gitlab.requests.map((r) => r.path)])],
    ];
    const cacheDir = e2e.sandbox.appEnv().MIRROR_CACHE_DIR!;
    for (const file of await listFiles(cacheDir)) places.push([file, await readFile(file, "latin1")]);
    expect(places.length).toBeGreaterThan(10);
    expect((await readFile(argvLog, "utf8")).split("\n").length).toBeGreaterThan(10);

    for (const [where, text] of places) {
      for (const secret of withEncodings) {
        if (text.includes(secret)) throw new Error(`a secret leaked into ${where}`);
      }
    }
  });
});

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? (e as any).path, e.name));
}
