/**
 * What developers do every day, end to end through the real app and its webhook route: squash-
 * and rebase-merged pull requests whose branch GitHub deletes, amended and rebased branches
 * force-pushed, a branch deleted that the app never fetched. Each must leave GitLab in step, keep
 * the replaced tip as a backup ref (private targets), and turn no commit red. Commits made only on
 * GitLab still stop an update or a deletion.
 */
import { cacheLayout } from "../../src/cache/layout.js";
import { startE2E, type E2E } from "../helpers/e2e.js";

const MIRROR = (project: string) => `GitLab mirror (${project})`;
const BACKUP = /^refs\/mirror-backup\/heads\/topic\/\d{8}T\d{6}Z$/;
let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
});

afterAll(async () => {
  await e2e?.stop();
});

/** A repository mirrored to a fresh project, with a topic branch of two commits already on GitLab. */
async function withMirroredTopic(options: { visibility?: "public" | "private" } = {}) {
  const { repo, project } = await e2e.linkedPair({ visibility: options.visibility ?? "private" });
  const { github } = e2e.sandbox;
  const first = await github.commitAndPush(repo, { branch: "topic", from: "main", files: { "feature.txt": "step 1\n" } });
  await e2e.deliverPush(repo, first);
  const second = await github.commitAndPush(repo, { branch: "topic", files: { "feature.txt": "step 1\nstep 2\n" } });
  await e2e.deliverPush(repo, second);
  await e2e.waitForGitLabRef(project, "refs/heads/topic", second.after);
  return { repo, project, topicTip: second.after };
}

/** Backup refs on the GitLab project: ref → sha. */
async function backups(project: string): Promise<Map<string, string>> {
  const refs = await e2e.sandbox.gitlab.refs(project);
  return new Map([...refs].filter(([ref]) => ref.startsWith("refs/mirror-backup/")));
}

async function failingChecks(repo: string) {
  return (await e2e.sandbox.github.checkRuns(repo)).filter((r: any) => r.conclusion === "failure");
}

describe("daily workflows on a push mirror", () => {
  it.each([
    ["squash-merged", 1],
    ["rebase-merged", 2],
  ])("a %s pull request whose branch GitHub deletes: GitLab follows, keeps a backup, and no check run fails", async (_how, commitsOnMain) => {
    const { repo, project, topicTip } = await withMirroredTopic();
    const { github } = e2e.sandbox;
    // The merge writes new commits on main (one squash commit, or each commit replayed) that do not contain topic's tip.
    const before = (await github.refs(repo)).get("refs/heads/main")!;
    let merge = await github.commitAndPush(repo, { branch: "main", files: { "feature.txt": commitsOnMain === 2 ? "step 1\n" : "step 1\nstep 2\n" } });
    if (commitsOnMain === 2) merge = await github.commitAndPush(repo, { branch: "main", files: { "feature.txt": "step 1\nstep 2\n" } });
    await e2e.deliverPush(repo, { ref: "refs/heads/main", before, after: merge.after });
    const deletion = await github.commitAndPush(repo, { branch: "topic", deleteBranch: true });
    await e2e.deliverPush(repo, { ...deletion, deleted: true });

    await e2e.waitForGitLabRef(project, "refs/heads/topic", null);
    await e2e.quiet();
    const gitlabRefs = await e2e.sandbox.gitlab.refs(project);
    expect(gitlabRefs.get("refs/heads/main")).toBe(merge.after);
    const kept = await backups(project);
    expect([...kept.keys()]).toEqual([expect.stringMatching(BACKUP)]);
    expect([...kept.values()]).toEqual([topicTip]);
    const check = await e2e.waitForCheck(repo, merge.after, MIRROR(project));
    expect(check.conclusion).toBe("success");
    expect(await failingChecks(repo)).toEqual([]);
  });

  it("a merged branch's deletion loses nothing, so it keeps no backup", async () => {
    const { repo, project, topicTip } = await withMirroredTopic();
    const { github } = e2e.sandbox;
    const merged = await github.commitAndPush(repo, { branch: "main", from: topicTip });
    await e2e.deliverPush(repo, merged);
    const deletion = await github.commitAndPush(repo, { branch: "topic", deleteBranch: true });
    await e2e.deliverPush(repo, { ...deletion, deleted: true });

    await e2e.waitForGitLabRef(project, "refs/heads/topic", null);
    await e2e.quiet();
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(topicTip);
    expect(await backups(project)).toEqual(new Map());
  });

  it("an amended branch force-pushed: GitLab follows and the check run names the backup and how to restore it", async () => {
    const { repo, project, topicTip } = await withMirroredTopic();
    const amended = await e2e.sandbox.github.commitAndPush(repo, { branch: "topic", files: { "feature.txt": "step 1\nstep 2, amended\n" }, force: true });
    await e2e.deliverPush(repo, amended);

    await e2e.waitForGitLabRef(project, "refs/heads/topic", amended.after);
    const check = await e2e.waitForCheck(repo, amended.after, MIRROR(project));
    expect(check.conclusion).toBe("success");
    const [backupRef] = [...(await backups(project)).keys()];
    expect(backupRef).toMatch(BACKUP);
    expect((await backups(project)).get(backupRef!)).toBe(topicTip);
    expect(check.output.text).toContain(`force-updated (GitHub rewrote it; the old tip is kept as \`${backupRef}\`)`);
    expect(check.output.summary).toContain(`npx mirror-bot restore ${repo} ${backupRef}`);
  });

  it("a topic branch rebased onto a new main and force-pushed: GitLab follows", async () => {
    const { repo, project } = await withMirroredTopic();
    const { github } = e2e.sandbox;
    const main = await github.commitAndPush(repo, { branch: "main", files: { "other.txt": "meanwhile on main\n" } });
    await e2e.deliverPush(repo, main);
    const rebased = await github.commitAndPush(repo, { branch: "topic", files: { "feature.txt": "step 1\nstep 2\n" }, parent: main.after, force: true });
    await e2e.deliverPush(repo, rebased);

    await e2e.waitForGitLabRef(project, "refs/heads/topic", rebased.after);
    expect((await e2e.waitForCheck(repo, rebased.after, MIRROR(project))).conclusion).toBe("success");
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(main.after);
    expect(await failingChecks(repo)).toEqual([]);
  });

  it("a public target keeps no backup by default", async () => {
    const { repo, project } = await withMirroredTopic({ visibility: "public" });
    const amended = await e2e.sandbox.github.commitAndPush(repo, { branch: "topic", files: { "feature.txt": "amended\n" }, force: true });
    await e2e.deliverPush(repo, amended);

    await e2e.waitForGitLabRef(project, "refs/heads/topic", amended.after);
    const check = await e2e.waitForCheck(repo, amended.after, MIRROR(project));
    expect(check.conclusion).toBe("success");
    expect(check.output.text).toContain("force-updated (GitHub rewrote it)");
    expect(await backups(project)).toEqual(new Map());
  });

  it("a commit made only on GitLab still stops a rewrite, and nothing is overwritten", async () => {
    const { repo, project } = await withMirroredTopic();
    const onGitLab = await e2e.sandbox.gitlab.commitAndPush(project, { branch: "topic", files: { "gitlab.txt": "made on GitLab\n" } });
    const amended = await e2e.sandbox.github.commitAndPush(repo, { branch: "topic", files: { "feature.txt": "amended\n" }, force: true });
    await e2e.deliverPush(repo, amended);

    const check = await e2e.waitForCheck(repo, amended.after, MIRROR(project));
    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toBe("topic has diverged on GitLab: not overwritten");
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/topic")).toBe(onGitLab.after);
    expect(await backups(project)).toEqual(new Map());
  });

  it.each([
    ["with the cache emptied", false],
    ["with the cache emptied and the app restarted", true],
  ])("a branch deleted that the app never fetched (%s): the push's before vouches for GitLab's tip", async (_when, restart) => {
    const { repo, project, topicTip } = await withMirroredTopic();
    await e2e.quiet();
    const [owner, name] = repo.split("/") as [string, string];
    const emptyCache = async () => {
      const removed = await cacheLayout(e2e.sandbox.appEnv().MIRROR_CACHE_DIR!).removeRepository({ owner, repo: name });
      expect(removed.length).toBeGreaterThan(0); // the cache and the agreement record
    };
    if (restart) await e2e.restart(emptyCache);
    else await emptyCache();
    const deletion = await e2e.sandbox.github.commitAndPush(repo, { branch: "topic", deleteBranch: true });
    await e2e.deliverPush(repo, { ...deletion, deleted: true });

    await e2e.waitForGitLabRef(project, "refs/heads/topic", null);
    await e2e.quiet();
    expect([...(await backups(project)).values()]).toEqual([topicTip]);
    expect(await failingChecks(repo)).toEqual([]);
  });
});
