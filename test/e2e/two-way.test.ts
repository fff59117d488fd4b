/**
 * GitLab → GitHub and both directions, end to end: the real app process, real git on both fake
 * forges, the app's own GitLab project hooks firing real Push Hook deliveries, and the fake
 * GitHub announcing every git push as a signed push webhook. So every push the app makes comes
 * back to it as a webhook, exactly as in production, and the tests count what happens next.
 */
import { randomUUID } from "node:crypto";
import { configEnv, basicAuthConfig } from "../../sandbox/git.js";
import { freePort, git, waitFor, ZERO_SHA, type StatusRecord } from "../../sandbox/index.js";
import { startE2E, type E2E } from "../helpers/e2e.js";

const MIRROR = (project: string) => `GitLab mirror (${project})`;
let e2e: E2E;
let publicUrl: string;
let counter = 0;
const ADMIN_TOKEN = "two-way-admin-token-0123456789abcdef";

beforeAll(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  e2e = await startE2E({
    PORT: String(port),
    MIRROR_PUBLIC_URL: publicUrl,
    MIRROR_GITLAB_NAMESPACES: "group,team",
    MIRROR_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: "debug",
  });
  e2e.sandbox.github.pushWebhookUrl = e2e.app.webhookUrl;
});

afterAll(async () => {
  await e2e?.stop();
});

const gitlabHookUrl = () => `${publicUrl}/api/gitlab/webhooks`;

/** git-receive-pack POSTs that reached the fake GitHub for one repository. */
const githubPushCount = (repo: string) => e2e.sandbox.github.requests.filter((r) => r.method === "POST" && r.path.startsWith(`/${repo}.git/git-receive-pack`)).length;
const gitlabStatuses = (project: string, sha?: string): StatusRecord[] => e2e.sandbox.gitlab.statuses(project).filter((s) => !sha || s.sha === sha);
const checkRunsOn = (repo: string, sha: string) => e2e.sandbox.github.checkRuns(repo).filter((r) => r.head_sha === sha);

const quiet = () => e2e.quiet();

interface Pair {
  repo: string;
  project: string;
  projectId: number;
  initial: string;
}

/**
 * A GitHub repository whose default branch names a GitLab project in `.mirror.yml`, and that
 * project, both starting at the same commit (as after an import). The config's first push is
 * delivered, which is when the app learns the mirror and registers its GitLab hook.
 */
async function pair({
  direction,
  visibility = "public",
  group = "group/two",
  yml = "",
  seed = true,
}: {
  direction: "pull" | "both" | "push";
  visibility?: "public" | "private" | "internal";
  group?: string;
  yml?: string;
  seed?: boolean;
}): Promise<Pair> {
  const id = `${Date.now().toString(36)}${(counter++).toString(36)}`;
  const created = await e2e.sandbox.gitlab.createProject({ path: `${group}/p${id}`, visibility });
  const project = created.path;
  const mirrorYml = `mirrors:\n  - gitlab: ${project}\n    direction: ${direction}\n${yml}`;
  const { fullName: repo, bareDir } = await e2e.sandbox.github.createRepo({ owner: "octo", name: `tw${id}`, files: { ".mirror.yml": mirrorYml, "README.md": "# two-way\n" } });
  const initial = (await e2e.sandbox.github.refs(repo)).get("refs/heads/main")!;
  if (seed) {
    await git(["push", "--quiet", created.httpUrl, "refs/heads/main:refs/heads/main"], {
      cwd: bareDir,
      env: configEnv([basicAuthConfig("oauth2", e2e.sandbox.gitlabToken)]),
    });
  }
  const delivery = await e2e.deliverPush(repo, { ref: "refs/heads/main", before: ZERO_SHA, after: initial });
  expect(delivery.status).toBe(200);
  return { repo, project, projectId: created.id, initial };
}

describe("GitLab → GitHub (direction: pull)", () => {
  it("registers the hook, mirrors a GitLab push and its tag to GitHub, reports on both sides once, and does not report the bounce", async () => {
    const { repo, project, projectId } = await pair({ direction: "pull" });
    await waitFor(() => e2e.sandbox.gitlab.hooks(project).length === 1, { timeoutMs: 20_000, what: "the GitLab hook" });
    await quiet();
    const [hook] = e2e.sandbox.gitlab.hooks(project);
    expect(hook).toMatchObject({ url: gitlabHookUrl(), push_events: true, tag_push_events: true, token: e2e.sandbox.gitlabWebhookSecret });
    expect(e2e.sandbox.github.checkRuns(repo).filter((r) => r.name === MIRROR(project))).toEqual([]); // nothing to say yet
    const before = { github: githubPushCount(repo), gitlab: e2e.sandbox.gitlab.pushCount(project) };

    const pushed = await e2e.sandbox.gitlab.commitAndPush(project, { branch: "main", files: { "from-gitlab.txt": "hello" }, tag: "v1" });
    await waitFor(async () => (await e2e.sandbox.github.refs(repo)).get("refs/heads/main") === pushed.after, { timeoutMs: 20_000, what: "the GitLab commit on GitHub" });
    await quiet();

    const github = await e2e.sandbox.github.refs(repo);
    expect(github.get("refs/tags/v1")).toBe(pushed.after);
    const runs = checkRunsOn(repo, pushed.after);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: MIRROR(project), status: "completed", conclusion: "success" });
    expect(runs[0]!.output.title).toMatch(/^Mirrored 2 refs from GitLab in \d+\.\d s$/);
    const statuses = gitlabStatuses(project, pushed.after);
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ name: "github-mirror", status: "success", target_url: `${e2e.sandbox.github.url}/${repo}/commit/${pushed.after}` });
    // One push each: the developer's to GitLab, the app's to GitHub; GitHub's push webhook for the
    // app's own push came back (a job ran) but nothing was pushed or reported because of it.
    expect(githubPushCount(repo) - before.github).toBe(1);
    expect(e2e.sandbox.gitlab.pushCount(project) - before.gitlab).toBe(1);
    expect(e2e.sandbox.github.webhookDeliveries.filter((d) => d.url === e2e.app.webhookUrl && d.status !== 200)).toEqual([]);
    expect(e2e.sandbox.gitlab.hookDeliveries.filter((d) => d.status !== 200)).toEqual([]);
    expect(projectId).toBeGreaterThan(0);
  });

  it("follows a branch amended and force-pushed on GitLab, keeping GitHub's old tip as a backup (backups: true)", async () => {
    const { repo, project } = await pair({ direction: "pull", yml: "    backups: true\n" });
    await waitFor(() => e2e.sandbox.gitlab.hooks(project).length === 1, { timeoutMs: 20_000, what: "the GitLab hook" });
    await quiet();
    const topic = await e2e.sandbox.gitlab.commitAndPush(project, { branch: "topic", from: "main", files: { "t.txt": "step 1\n" } });
    await waitFor(async () => (await e2e.sandbox.github.refs(repo)).get("refs/heads/topic") === topic.after, { timeoutMs: 20_000, what: "topic on GitHub" });
    await quiet();

    const amended = await e2e.sandbox.gitlab.commitAndPush(project, { branch: "topic", files: { "t.txt": "step 1, amended\n" }, force: true });
    await waitFor(async () => (await e2e.sandbox.github.refs(repo)).get("refs/heads/topic") === amended.after, { timeoutMs: 20_000, what: "the amended topic on GitHub" });
    await quiet();

    const githubRefs = await e2e.sandbox.github.refs(repo);
    const backups = [...githubRefs].filter(([ref]) => ref.startsWith("refs/mirror-backup/heads/topic/"));
    expect(backups.map(([, sha]) => sha)).toEqual([topic.after]);
    expect(gitlabStatuses(project, amended.after)).toEqual([expect.objectContaining({ name: "github-mirror", status: "success" })]);
    const runs = checkRunsOn(repo, amended.after);
    expect(runs.map((r) => r.conclusion)).toEqual(["success"]);
    expect(runs[0]!.output.text).toContain(`force-updated (GitLab rewrote it; the old tip is kept as \`${backups[0]![0]}\`)`);
  });

  it("a failing pull mirror is on the status page, says when it tries again, and opens one failure issue after 3 failures", async () => {
    const { repo, project } = await pair({ direction: "pull" });
    await waitFor(() => e2e.sandbox.gitlab.hooks(project).length === 1, { timeoutMs: 20_000, what: "the GitLab hook" });
    await quiet();
    // Someone commits on GitHub, the read-only side, and GitLab moves on: the pull half is blocked.
    e2e.sandbox.github.pushWebhookUrl = undefined;
    const onGitHub = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "github.txt": "made on GitHub" } });
    e2e.sandbox.github.pushWebhookUrl = e2e.app.webhookUrl;
    await e2e.sandbox.gitlab.commitAndPush(project, { branch: "main", files: { "gitlab.txt": "made on GitLab" } });
    await quiet();
    for (let i = 0; i < 2; i++) {
      await e2e.deliverPush(repo, onGitHub);
      await quiet();
    }

    const response = await fetch(`${new URL(e2e.app.webhookUrl).origin}/mirror/api/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const { mirrors } = (await response.json()) as { mirrors: Array<Record<string, unknown>> };
    const records = mirrors.filter((m) => m.repo === repo.split("/")[1]);
    expect(records).toEqual([expect.objectContaining({ direction: "pull", target: project, lastResult: "failure", lastTitle: "main has diverged on GitHub: not overwritten" })]);
    expect(records[0]!.consecutiveFailures).toBeGreaterThanOrEqual(3); // a scheduled retry may have run too
    const failing = checkRunsOn(repo, onGitHub.after).filter((r) => r.conclusion === "failure");
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.at(-1)!.output.summary).toMatch(/mirror-bot tries again at \d{4}-/);
    await waitFor(() => e2e.sandbox.github.issues(repo).length > 0, { timeoutMs: 20_000, what: "the failure issue" });
    expect(e2e.sandbox.github.issues(repo)).toEqual([expect.objectContaining({ state: "open", labels: ["mirror-failure"] })]);
  });

  it("refuses a GitLab webhook with a wrong or missing token (401) and changes nothing; the right token works", async () => {
    const { repo, project } = await pair({ direction: "pull" });
    await waitFor(() => e2e.sandbox.gitlab.hooks(project).length === 1, { timeoutMs: 20_000, what: "the GitLab hook" });
    await quiet();
    e2e.sandbox.gitlab.hooks(project).splice(0); // GitLab stops calling: deliveries below are the test's own
    const pushed = await e2e.sandbox.gitlab.commitAndPush(project, { branch: "main", files: { "x.txt": "x" } });
    const payload = e2e.sandbox.gitlab.gitlabPushEvent(project, {
      ref: "refs/heads/main",
      before: pushed.before,
      after: pushed.after,
      commits: [{ id: pushed.after, message: "x" }],
    });
    const githubBefore = await e2e.sandbox.github.refs(repo);
    const pushesBefore = githubPushCount(repo);

    const wrong = await e2e.sandbox.gitlab.deliverGitLab(gitlabHookUrl(), "Push Hook", payload, { token: "not-the-secret" });
    const { deliverGitLabWebhook } = await import("../../sandbox/index.js");
    const missing = await deliverGitLabWebhook(gitlabHookUrl(), "Push Hook", payload, { token: undefined });
    const otherEvent = await e2e.sandbox.gitlab.deliverGitLab(gitlabHookUrl(), "Note Hook", { object_kind: "note" });
    expect([wrong.status, missing.status, otherEvent.status]).toEqual([401, 401, 200]);
    expect(JSON.parse(otherEvent.body)).toEqual({ outcome: "ignored" });
    await e2e.app.waitForLog((line) => line.includes("GitLab webhook refused"), 10_000);
    expect(await e2e.sandbox.github.refs(repo)).toEqual(githubBefore); // refused: nothing moved
    expect(e2e.app.logs().filter((line) => line.includes(repo) && line.includes("GitLab push"))).toEqual([]); // no job was queued

    // The right token: the same payload mirrors the commit. (Proves the refusals above were what stopped it.)
    const uuid = randomUUID();
    const right = await e2e.sandbox.gitlab.deliverGitLab(gitlabHookUrl(), "Push Hook", payload, { eventUuid: uuid });
    expect(right.status).toBe(200);
    await waitFor(async () => (await e2e.sandbox.github.refs(repo)).get("refs/heads/main") === pushed.after, { timeoutMs: 20_000, what: "the mirror after the right token" });
    expect(githubPushCount(repo) - pushesBefore).toBe(1);
    // The same delivery again is a duplicate: nothing more happens.
    const again = await e2e.sandbox.gitlab.deliverGitLab(gitlabHookUrl(), "Push Hook", payload, { eventUuid: uuid });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ outcome: "duplicate" });
    // The status is written in the background after the push: wait for it, then for quiet.
    await waitFor(() => gitlabStatuses(project, pushed.after).length > 0, { timeoutMs: 20_000, what: "the github-mirror status" });
    await quiet();
    expect(gitlabStatuses(project, pushed.after)).toHaveLength(1);
  });
});

describe("both directions (direction: both)", () => {
  it("carries one push each way with one git push per side, reports each commit once, and goes quiet", async () => {
    const { repo, project } = await pair({ direction: "both", seed: false });
    // The first sync fills the empty GitLab project; its Push Hook comes back and is not reported.
    await waitFor(async () => (await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main") !== undefined, { timeoutMs: 20_000, what: "GitLab main" });
    await quiet();
    const start = {
      github: githubPushCount(repo),
      gitlab: e2e.sandbox.gitlab.pushCount(project),
      runs: e2e.sandbox.github.checkRuns(repo).length,
      statuses: gitlabStatuses(project).length,
    };

    const fromGitHub = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "github.txt": "from GitHub" } });
    await waitFor(async () => (await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main") === fromGitHub.after, { timeoutMs: 20_000, what: "the GitHub commit on GitLab" });
    await quiet();
    const fromGitLab = await e2e.sandbox.gitlab.commitAndPush(project, { branch: "main", files: { "gitlab.txt": "from GitLab" } });
    await waitFor(async () => (await e2e.sandbox.github.refs(repo)).get("refs/heads/main") === fromGitLab.after, { timeoutMs: 20_000, what: "the GitLab commit on GitHub" });
    await quiet();

    // Exactly two pushes per side: the developer's own and the app's mirror of the other side's.
    expect(githubPushCount(repo) - start.github).toBe(2);
    expect(e2e.sandbox.gitlab.pushCount(project) - start.gitlab).toBe(2);
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(fromGitLab.after);
    // One check run per commit, one GitLab status (on the commit that came from GitLab).
    expect(checkRunsOn(repo, fromGitHub.after).map((r) => [r.name, r.conclusion, r.output.title?.replace(/[\d.]+ s$/, "")])).toEqual([
      [MIRROR(project), "success", "Mirrored 1 ref to GitLab in "],
    ]);
    expect(checkRunsOn(repo, fromGitLab.after).map((r) => [r.name, r.conclusion, r.output.title?.replace(/[\d.]+ s$/, "")])).toEqual([
      [MIRROR(project), "success", "Mirrored 1 ref from GitLab in "],
    ]);
    expect(e2e.sandbox.github.checkRuns(repo).length - start.runs).toBe(2);
    expect(gitlabStatuses(project).length - start.statuses).toBe(1);
    expect(gitlabStatuses(project, fromGitLab.after)).toEqual([expect.objectContaining({ name: "github-mirror", status: "success" })]);
    // Bounces happened (each app push produced a webhook) and were answered without work.
    expect(e2e.app.logs().some((l) => l.includes(repo) && l.includes("GitHub is up to date with GitLab"))).toBe(true);
  });

  it("propagates a deletion of a merged branch from either side instead of resurrecting it", async () => {
    const { repo, project } = await pair({ direction: "both", seed: false });
    await waitFor(async () => (await e2e.sandbox.gitlab.refs(project)).has("refs/heads/main"), { timeoutMs: 20_000, what: "GitLab main" });
    await quiet();
    const topic = await e2e.sandbox.github.commitAndPush(repo, { branch: "topic", from: "main", files: { "t.txt": "t" } });
    const merged = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", from: "topic" });
    await waitFor(async () => (await e2e.sandbox.gitlab.refs(project)).get("refs/heads/topic") === topic.after, { timeoutMs: 20_000, what: "topic on GitLab" });
    await quiet();
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(merged.after);

    // Deleted on GitLab: GitHub's copy goes too (it is merged), and is not pushed back.
    await e2e.sandbox.gitlab.commitAndPush(project, { branch: "topic", deleteBranch: true });
    await waitFor(async () => !(await e2e.sandbox.github.refs(repo)).has("refs/heads/topic"), { timeoutMs: 20_000, what: "topic deleted on GitHub" });
    await quiet();
    expect((await e2e.sandbox.gitlab.refs(project)).has("refs/heads/topic")).toBe(false);

    // Created and then deleted on GitHub: the same the other way.
    const again = await e2e.sandbox.github.commitAndPush(repo, { branch: "topic2", from: "main" });
    await waitFor(async () => (await e2e.sandbox.gitlab.refs(project)).get("refs/heads/topic2") === again.after, { timeoutMs: 20_000, what: "topic2 on GitLab" });
    await quiet();
    await e2e.sandbox.github.commitAndPush(repo, { branch: "topic2", deleteBranch: true });
    await waitFor(async () => !(await e2e.sandbox.gitlab.refs(project)).has("refs/heads/topic2"), { timeoutMs: 20_000, what: "topic2 deleted on GitLab" });
    await quiet();
    expect((await e2e.sandbox.github.refs(repo)).has("refs/heads/topic2")).toBe(false);
  });

  it("follows a rewrite made on either side while the other side did not move", async () => {
    const { repo, project } = await pair({ direction: "both", seed: false });
    await waitFor(async () => (await e2e.sandbox.gitlab.refs(project)).has("refs/heads/main"), { timeoutMs: 20_000, what: "GitLab main" });
    await quiet();
    const topic = await e2e.sandbox.github.commitAndPush(repo, { branch: "topic", from: "main", files: { "t.txt": "1\n" } });
    await waitFor(async () => (await e2e.sandbox.gitlab.refs(project)).get("refs/heads/topic") === topic.after, { timeoutMs: 20_000, what: "topic on GitLab" });
    await quiet();

    const onGitHub = await e2e.sandbox.github.commitAndPush(repo, { branch: "topic", files: { "t.txt": "1, amended on GitHub\n" }, force: true });
    await waitFor(async () => (await e2e.sandbox.gitlab.refs(project)).get("refs/heads/topic") === onGitHub.after, { timeoutMs: 20_000, what: "GitHub's rewrite on GitLab" });
    await quiet();
    const onGitLab = await e2e.sandbox.gitlab.commitAndPush(project, { branch: "topic", files: { "t.txt": "1, amended on GitLab\n" }, force: true });
    await waitFor(async () => (await e2e.sandbox.github.refs(repo)).get("refs/heads/topic") === onGitLab.after, { timeoutMs: 20_000, what: "GitLab's rewrite on GitHub" });
    await quiet();

    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/topic")).toBe(onGitLab.after);
    expect(e2e.sandbox.github.checkRuns(repo).filter((r) => r.conclusion === "failure")).toEqual([]);
    expect(gitlabStatuses(project).filter((s) => s.status === "failed")).toEqual([]);
  }, 120_000); // many round trips, each through both forges

  it("when both sides moved the same branch: overwrites neither, and both sides report the divergence", async () => {
    const { repo, project } = await pair({ direction: "both" });
    await waitFor(() => e2e.sandbox.gitlab.hooks(project).length === 1, { timeoutMs: 20_000, what: "the GitLab hook" });
    await quiet();
    const start = { github: githubPushCount(repo), gitlab: e2e.sandbox.gitlab.pushCount(project) };

    // Both commits land before the app hears of the GitHub one.
    e2e.sandbox.github.pushWebhookUrl = undefined;
    const onGitHub = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "same.txt": "GitHub's version" } });
    e2e.sandbox.github.pushWebhookUrl = e2e.app.webhookUrl;
    const onGitLab = await e2e.sandbox.gitlab.commitAndPush(project, { branch: "main", files: { "same.txt": "GitLab's version" } });
    await e2e.deliverPush(repo, onGitHub);
    await quiet();

    expect((await e2e.sandbox.github.refs(repo)).get("refs/heads/main")).toBe(onGitHub.after);
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(onGitLab.after);
    expect(githubPushCount(repo) - start.github).toBe(1); // the developer's only
    expect(e2e.sandbox.gitlab.pushCount(project) - start.gitlab).toBe(1);

    const runs = checkRunsOn(repo, onGitHub.after);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: MIRROR(project), conclusion: "failure", output: expect.objectContaining({ title: "main has diverged on GitLab: not overwritten" }) });
    expect(runs[0]!.output.summary).toContain(onGitLab.after.slice(0, 7));
    expect(runs[0]!.output.summary).toContain("GitHub has 1 commit(s) GitLab lacks; GitLab has 1 commit(s) GitHub lacks.");
    const statuses = gitlabStatuses(project, onGitLab.after);
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ name: "github-mirror", status: "failed" });
    expect(statuses[0]!.description).toContain("main has diverged on GitHub: not overwritten");
    expect(statuses[0]!.description).toContain(onGitHub.after.slice(0, 7));
    expect(statuses[0]!.description).toContain(onGitLab.after.slice(0, 7));
  });

  it("registers the GitLab hook once, however often the config changes", async () => {
    const { repo, project, projectId } = await pair({ direction: "both" });
    await waitFor(() => e2e.sandbox.gitlab.hooks(project).length === 1, { timeoutMs: 20_000, what: "the GitLab hook" });
    for (const yml of ["    prune: false\n", "    prune: true\n    tags: false\n", '    branches: ["main"]\n']) {
      const change = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { ".mirror.yml": `mirrors:\n  - gitlab: ${project}\n    direction: both\n${yml}` } });
      await waitFor(async () => (await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main") === change.after, { timeoutMs: 20_000, what: "the config change on GitLab" });
      await quiet();
    }
    expect(e2e.sandbox.gitlab.hooks(project)).toHaveLength(1);
    const hookCalls = e2e.sandbox.gitlab.requests.filter((r) => r.path.startsWith(`/api/v4/projects/${projectId}/hooks`));
    expect(hookCalls.map((r) => r.method)).toEqual(["GET", "POST"]);
  });
});

describe("GitHub checks on GitLab (checks: on for pull and both)", () => {
  it("a check run completing on a GitHub commit becomes the github/<name> status of the GitLab commit, through the app's webhook route", async () => {
    const { repo, project, initial } = await pair({ direction: "both" });
    await quiet();
    const run = await e2e.sandbox.github.createForeignCheckRun(repo, {
      name: "build",
      head_sha: initial,
      conclusion: "success",
      output: { title: "All green", summary: "12 tests" },
    });
    const delivery = await e2e.sandbox.github.deliver(e2e.app.webhookUrl, "check_run", e2e.sandbox.github.checkRunEvent(repo, "completed", run.id));
    expect(delivery.status).toBe(200);
    const status = await waitFor(() => gitlabStatuses(project, initial).find((s) => s.name === "github/build"), { timeoutMs: 20_000, what: "the github/build status on GitLab" });
    expect(status).toMatchObject({ status: "success", description: "GitHub: success - All green", target_url: `${e2e.sandbox.github.url}/${repo}/runs/${run.id}` });
  });
});

describe("CI results both ways, loop-free (direction: both)", () => {
  it("a failing GitHub check GitLab attaches to the pipeline as github/<name> does not turn the GitLab CI check run red, that check run is not carried back, and Cancel pipeline cancels on GitLab", async () => {
    const { repo, project, initial } = await pair({ direction: "both" });
    await quiet();
    expect(e2e.sandbox.gitlab.hooks(project)).toMatchObject([{ push_events: true, pipeline_events: true, job_events: true }]);
    const name = `GitLab CI (${project})`;
    const pipeline = e2e.sandbox.gitlab.createPipeline(project, { sha: initial, ref: "refs/heads/main", jobs: [{ name: "unit" }] });
    await waitFor(() => checkRunsOn(repo, initial).find((r) => r.name === name), { timeoutMs: 20_000, what: "the pipeline's check run" });

    // GitHub Actions fails on the same commit: the app writes github/e2e on GitLab, which joins the pipeline.
    const actions = await e2e.sandbox.github.createForeignCheckRun(repo, { name: "e2e", head_sha: initial, conclusion: "failure", output: { title: "1 failed", summary: "e2e" } });
    await e2e.sandbox.github.deliver(e2e.app.webhookUrl, "check_run", e2e.sandbox.github.checkRunEvent(repo, "completed", actions.id));
    await waitFor(() => gitlabStatuses(project, initial).find((s) => s.name === "github/e2e" && s.status === "failed"), { timeoutMs: 20_000, what: "github/e2e on GitLab" });
    await e2e.sandbox.gitlab.runPipeline(project, pipeline.id);
    expect(e2e.sandbox.gitlab.pipeline(project, pipeline.id).status).toBe("failed"); // GitLab's view: the external job failed it

    const run = await waitFor(() => checkRunsOn(repo, initial).find((r) => r.name === name && r.status === "completed"), {
      timeoutMs: 20_000,
      what: "the pipeline's check run completed",
    });
    expect(run.conclusion).toBe("success");
    expect(run.output.summary).not.toContain("github/e2e");
    // GitHub tells the app about its own check run too: it is never written back to GitLab.
    await e2e.sandbox.github.deliver(e2e.app.webhookUrl, "check_run", e2e.sandbox.github.checkRunEvent(repo, "completed", run.id));
    await quiet();
    expect(gitlabStatuses(project, initial).map((s) => s.name)).not.toContain(`github/${name}`);
    expect(checkRunsOn(repo, initial).filter((r) => r.name === name)).toHaveLength(1);

    // Cancel pipeline, pressed on GitHub while a pipeline runs: cancelled on GitLab and on the check run.
    const nightly = e2e.sandbox.gitlab.createPipeline(project, { sha: initial, ref: "refs/heads/main", jobs: [{ name: "slow" }], name: "nightly" });
    const open = await waitFor(() => checkRunsOn(repo, initial).find((r) => r.name === `${name}: nightly`), { timeoutMs: 20_000, what: "the nightly pipeline's check run" });
    expect(open.actions.map((a) => a.label)).toEqual(["Cancel pipeline"]);
    await e2e.sandbox.github.deliver(e2e.app.webhookUrl, "check_run", e2e.sandbox.github.checkRunEvent(repo, "requested_action", open.id, "cancel-pipeline"));
    const cancelled = await waitFor(() => checkRunsOn(repo, initial).find((r) => r.id === open.id && r.status === "completed"), {
      timeoutMs: 20_000,
      what: "the cancelled check run",
    });
    expect(cancelled.conclusion).toBe("cancelled");
    expect(e2e.sandbox.gitlab.pipeline(project, nightly.id).status).toBe("canceled");
  });
});

describe("access policy", () => {
  it("refuses projects outside MIRROR_GITLAB_NAMESPACES, pushing and pulling, with a clear check run", async () => {
    for (const direction of ["push", "pull"] as const) {
      const { repo, project, initial } = await pair({ direction, group: "other" });
      const check = await e2e.waitForCheck(repo, initial, MIRROR(project));
      expect(check.conclusion).toBe("failure");
      expect(check.output.title).toBe(`GitLab project ${project} is outside the groups this app may mirror (group, team)`);
      expect(check.output.summary).toContain("MIRROR_GITLAB_NAMESPACES");
      await quiet();
      expect(e2e.sandbox.gitlab.hooks(project)).toEqual([]);
      expect(e2e.sandbox.gitlab.pushCount(project)).toBe(1); // the test's own seed
      expect(githubPushCount(repo)).toBe(0);
    }
  });

  it("refuses to pull a private GitLab project into a public GitHub repository", async () => {
    const { repo, project, initial } = await pair({ direction: "pull", visibility: "private" });
    const check = await e2e.waitForCheck(repo, initial, MIRROR(project));
    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toBe(`Refused to publish private GitLab project ${project} in public repository ${repo}`);
    expect(check.output.summary).toContain("MIRROR_ALLOW_PUBLISHING_PRIVATE=true");
    await quiet();
    expect(e2e.sandbox.gitlab.hooks(project)).toEqual([]);
    expect(githubPushCount(repo)).toBe(0);
  });
});

describe("secrets", () => {
  it("never appear in logs, check runs or GitLab commit statuses", async () => {
    const secrets = [e2e.sandbox.gitlabToken, e2e.sandbox.webhookSecret, e2e.sandbox.gitlabWebhookSecret, ...e2e.sandbox.github.issuedTokens];
    expect(secrets.length).toBeGreaterThan(3);
    const statuses = e2e.sandbox.gitlab.requests.filter((r) => r.method === "POST" && /\/statuses\//.test(r.path)).map((r) => r.body);
    expect(statuses.length).toBeGreaterThan(2);
    const places: Array<[string, string]> = [
      ["app logs", e2e.app.logs().join("\n")],
      ["check runs", JSON.stringify(e2e.sandbox.github.allCheckRuns())],
      ["GitLab statuses", statuses.join("\n")],
    ];
    for (const [where, text] of places) {
      for (const secret of secrets) {
        if (text.includes(secret)) throw new Error(`a secret leaked into ${where}`);
      }
    }
  });
});
