/**
 * GitLab pushes for a project the app has not read a config for yet, end to end: the REAL app
 * process, the fake GitLab sending real Push Hooks (signed with X-Gitlab-Token) from its project
 * hooks, the fake GitHub answering the rescan. Each case is one that today's code gets wrong:
 * a push dropped because the config was never seen, a stale hook that would cause drops for ever,
 * and a hook left behind when a config stops pulling from a project.
 */
import { basicAuthConfig, configEnv } from "../../sandbox/git.js";
import { freePort, git, waitFor, ZERO_SHA } from "../../sandbox/index.js";
import { startE2E, type E2E } from "../helpers/e2e.js";

const BOUND_MS = 20_000;
let e2e: E2E;
let publicUrl: string;
let counter = 0;

beforeAll(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  e2e = await startE2E({ PORT: String(port), MIRROR_PUBLIC_URL: publicUrl, MIRROR_GITLAB_NAMESPACES: "group", LOG_LEVEL: "debug" });
  e2e.sandbox.github.pushWebhookUrl = e2e.app.webhookUrl;
  // Everything created below is unseen by the start-up scan.
  await e2e.app.waitForLog((line) => line.includes("installations scanned"), BOUND_MS);
});

afterAll(async () => {
  await e2e?.stop();
});

const hookUrl = () => `${publicUrl}/api/gitlab/webhooks`;
const uid = () => `${Date.now().toString(36)}${(counter++).toString(36)}`;
/** Full scans of an installation's repositories (what a rescan costs GitHub). */
const rescans = () => e2e.sandbox.github.requests.filter((r) => r.method === "GET" && r.path.includes("/installation/repositories")).length;
const dropLines = (project: string) =>
  e2e.app
    .logs()
    .map((l) => JSON.parse(l) as { level: number; msg: string; project?: string; reason?: string })
    .filter((l) => l.msg.startsWith("GitLab push dropped") && l.project === project);

/** Adds a project hook through GitLab's API, as the app (another replica, an earlier run) or a person would. */
async function addHook(projectId: number, url: string, events = { push_events: true, tag_push_events: true }): Promise<void> {
  const answer = await fetch(`${e2e.sandbox.gitlab.apiUrl}/projects/${projectId}/hooks`, {
    method: "POST",
    headers: { "private-token": e2e.sandbox.gitlabToken, "content-type": "application/json" },
    body: JSON.stringify({ url, token: e2e.sandbox.gitlabWebhookSecret, ...events }),
  });
  expect(answer.status).toBe(201);
}

/** A GitLab project seeded with a GitHub repository's main, the repository's config pulling from it. Nothing tells the app. */
async function unseenPair(direction: "pull" | "both") {
  const id = uid();
  const created = await e2e.sandbox.gitlab.createProject({ path: `group/route/p${id}`, visibility: "public" });
  const { fullName: repo, bareDir } = await e2e.sandbox.github.createRepo({
    owner: "octo",
    name: `route${id}`,
    files: { ".mirror.yml": `mirrors:\n  - gitlab: ${created.path}\n    direction: ${direction}\n`, "README.md": "# route\n" },
  });
  await git(["push", "--quiet", created.httpUrl, "refs/heads/main:refs/heads/main"], { cwd: bareDir, env: configEnv([basicAuthConfig("oauth2", e2e.sandbox.gitlabToken)]) });
  return { repo, project: created.path, projectId: created.id };
}

it("mirrors a GitLab push for a repository whose config the app never saw: it rescans the configs before dropping", async () => {
  const { repo, project, projectId } = await unseenPair("pull");
  await addHook(projectId, hookUrl()); // registered earlier, e.g. by another replica
  const before = rescans();

  const pushed = await e2e.sandbox.gitlab.commitAndPush(project, { branch: "main", files: { "from-gitlab.txt": "hello" } });
  await waitFor(async () => (await e2e.sandbox.github.refs(repo)).get("refs/heads/main") === pushed.after, { timeoutMs: BOUND_MS, what: "the GitLab commit on GitHub" });
  await e2e.quiet();
  expect(rescans() - before).toBe(1);
  expect(dropLines(project)).toEqual([]);
  expect(e2e.sandbox.gitlab.hooks(project).map((h) => h.url)).toEqual([hookUrl()]);
  expect(e2e.sandbox.gitlab.hookDeliveries.filter((d) => d.status !== 200)).toEqual([]);
});

it("drops a push for a project no config names, at info with the reason, deletes the app's hook (not others), and rescans at most once in 10 s", async () => {
  const id = uid();
  const created = await e2e.sandbox.gitlab.createProject({ path: `group/stale/p${id}` });
  await addHook(created.id, hookUrl()); // left by a mirror that is gone
  await addHook(created.id, "http://127.0.0.1:9/someone-elses-hook", { push_events: false, tag_push_events: true }); // not called by a branch push
  const before = rescans();

  const pushed = await e2e.sandbox.gitlab.commitAndPush(created.path, { branch: "main", files: { "a.txt": "a" } });
  await waitFor(() => e2e.sandbox.gitlab.hooks(created.path).length === 1, { timeoutMs: BOUND_MS, what: "the app's hook deleted" });
  expect(e2e.sandbox.gitlab.hooks(created.path).map((h) => h.url)).toEqual(["http://127.0.0.1:9/someone-elses-hook"]);
  await waitFor(() => dropLines(created.path).length === 1, { timeoutMs: BOUND_MS, what: "the drop logged" });
  expect(dropLines(created.path)).toEqual([
    expect.objectContaining({ level: 30, reason: "no repository pulls from it (rescanned every installation's configs); the app's webhook on it was deleted" }),
  ]);
  expect(rescans() - before).toBe(1);

  // Delivered again at once (as GitLab retries): no second rescan within 10 s, and the drop says why.
  const payload = e2e.sandbox.gitlab.gitlabPushEvent(created.path, {
    ref: "refs/heads/main",
    before: pushed.before,
    after: pushed.after,
    commits: [{ id: pushed.after, message: "a" }],
  });
  const again = await e2e.sandbox.gitlab.deliverGitLab(hookUrl(), "Push Hook", payload);
  expect([again.status, JSON.parse(again.body)]).toEqual([200, { outcome: "checking" }]);
  await waitFor(() => dropLines(created.path).length === 2, { timeoutMs: BOUND_MS, what: "the second drop logged" });
  expect(dropLines(created.path)[1]).toMatchObject({ level: 30, reason: "no repository pulls from it, and the configs were rescanned less than 10 s ago" });
  expect(rescans() - before).toBe(1);
});

it("deletes the app's hook when the last config pulling from a project stops naming it", async () => {
  const { repo, project } = await unseenPair("pull");
  const main = (await e2e.sandbox.github.refs(repo)).get("refs/heads/main")!;
  expect((await e2e.deliverPush(repo, { ref: "refs/heads/main", before: ZERO_SHA, after: main })).status).toBe(200);
  await waitFor(() => e2e.sandbox.gitlab.hooks(project).length === 1, { timeoutMs: BOUND_MS, what: "the app's hook registered" });
  await e2e.quiet();

  // The config now only pushes to the project, without reporting its pipelines: GitLab need not call.
  await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { ".mirror.yml": `mirrors:\n  - gitlab: ${project}\n    direction: push\n    pipelines: false\n` } });
  await waitFor(() => e2e.sandbox.gitlab.hooks(project).length === 0, { timeoutMs: BOUND_MS, what: "the app's hook deleted" });
  await e2e.quiet();
  expect(e2e.app.logs().some((l) => l.includes("GitLab project no longer pulled from by this repository") && l.includes(project.toLowerCase()))).toBe(true);
});
