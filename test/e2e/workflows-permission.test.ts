/**
 * Pre-flight diagnostic, end to end: a GitLab → GitHub sync that would carry a change to
 * `.github/workflows` while the GitHub App lacks the `workflows` permission leaves that ref out
 * (GitHub would refuse the whole atomic push), mirrors the rest, and says why and how to fix it
 * on both sides. The real app, real git, and a fake GitHub that refuses such pushes like GitHub.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { basicAuthConfig, configEnv } from "../../sandbox/git.js";
import { freePort, git, waitFor, ZERO_SHA } from "../../sandbox/index.js";
import { startE2E, type E2E } from "../helpers/e2e.js";

const MIRROR = (project: string) => `GitLab mirror (${project})`;
const TITLE = "ci changes .github/workflows: the app lacks the workflows permission";
let e2e: E2E;
let tmp: string;

beforeAll(async () => {
  const port = await freePort();
  e2e = await startE2E({ PORT: String(port), MIRROR_PUBLIC_URL: `http://127.0.0.1:${port}`, MIRROR_GITLAB_NAMESPACES: "group", LOG_LEVEL: "debug" });
  e2e.sandbox.github.pushWebhookUrl = e2e.app.webhookUrl;
  tmp = await mkdtemp(path.join(os.tmpdir(), "workflows-e2e-"));
});

afterAll(async () => {
  await e2e?.stop();
  await rm(tmp, { recursive: true, force: true });
});

const quiet = () => e2e.quiet();

const statusOn = (project: string, sha: string) => e2e.sandbox.gitlab.statuses(project).filter((s) => s.sha === sha && s.name === "github-mirror");
const githubRef = async (repo: string, ref: string) => (await e2e.sandbox.github.refs(repo)).get(ref);

it("leaves a workflow change out while the app lacks the permission, mirrors the rest, and mirrors it once granted", async () => {
  const { sandbox } = e2e;
  expect(sandbox.github.installationPermissions).not.toHaveProperty("workflows");
  const created = await sandbox.gitlab.createProject({ path: `group/wf/p${Date.now().toString(36)}`, visibility: "public" });
  const project = created.path;
  const yml = `mirrors:\n  - gitlab: ${project}\n    direction: pull\n`;
  const { fullName: repo, bareDir } = await sandbox.github.createRepo({
    owner: "octo",
    name: `wf${Date.now().toString(36)}`,
    files: { ".mirror.yml": yml, "README.md": "# wf\n" },
  });
  const gitlabAuth = configEnv([basicAuthConfig("oauth2", sandbox.gitlabToken)]);
  await git(["push", "--quiet", created.httpUrl, "refs/heads/main:refs/heads/main"], { cwd: bareDir, env: gitlabAuth });
  const initial = (await sandbox.github.refs(repo)).get("refs/heads/main")!;
  expect((await e2e.deliverPush(repo, { ref: "refs/heads/main", before: ZERO_SHA, after: initial })).status).toBe(200);
  await waitFor(() => sandbox.gitlab.hooks(project).length === 1, { timeoutMs: 20_000, what: "the GitLab hook" });

  // One GitLab push with two branches: `ci` adds a workflow, `docs` does not.
  const dir = path.join(tmp, "work");
  const env = { ...gitlabAuth, GIT_AUTHOR_NAME: "Dev", GIT_AUTHOR_EMAIL: "dev@example.test", GIT_COMMITTER_NAME: "Dev", GIT_COMMITTER_EMAIL: "dev@example.test" };
  await git(["clone", "--quiet", created.httpUrl, dir], { env });
  const commit = async (branch: string, file: string) => {
    await git(["checkout", "--quiet", "-B", branch, "origin/main"], { cwd: dir, env });
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), `${file}\n`);
    await git(["add", file], { cwd: dir, env });
    await git(["commit", "--quiet", "-m", `add ${file}`], { cwd: dir, env });
    return (await git(["rev-parse", "HEAD"], { cwd: dir, env })).trim();
  };
  const ci = await commit("ci", ".github/workflows/ci.yml");
  const docs = await commit("docs", "docs/guide.md");
  await git(["push", "--quiet", "origin", "ci", "docs"], { cwd: dir, env });

  // The other branch is mirrored; the workflow change is not, and both sides say why and how to fix it.
  await waitFor(async () => (await githubRef(repo, "refs/heads/docs")) === docs, { timeoutMs: 20_000, what: "docs on GitHub" });
  const failed = await waitFor(() => statusOn(project, ci).find((s) => s.status === "failed"), { timeoutMs: 20_000, what: "the failed github-mirror status on ci" });
  expect(failed.description).toContain(TITLE);
  expect(await githubRef(repo, "refs/heads/ci")).toBeUndefined();
  const run = await waitFor(() => sandbox.github.checkRuns(repo).find((r) => r.name === MIRROR(project) && r.output.title === TITLE), { timeoutMs: 20_000, what: "the check run" });
  expect(run.conclusion).toBe("failure");
  expect(run.output.summary).toContain("`.github/workflows/ci.yml`");
  expect(run.output.summary).toContain("Settings → GitHub Apps → mirror-bot → Permissions");
  expect(run.output.summary).toContain("Sync now");
  expect(statusOn(project, docs).filter((s) => s.status === "failed")).toEqual([]);
  // Nothing GitHub refused: the pre-flight kept the workflow change out of the push.
  expect(e2e.app.logs().some((line) => line.includes("refusing to allow"))).toBe(false);

  // An org owner grants the permission; the next GitLab push carries the workflow change.
  await quiet();
  sandbox.github.setInstallationPermissions({ workflows: "write" });
  const next = await sandbox.gitlab.commitAndPush(project, { branch: "ci", files: { "notes.txt": "granted" } });
  await waitFor(async () => (await githubRef(repo, "refs/heads/ci")) === next.after, { timeoutMs: 20_000, what: "ci on GitHub" });
  await waitFor(() => statusOn(project, next.after).some((s) => s.status === "success"), { timeoutMs: 20_000, what: "the ci status" });

  // Taken away again, and the installation's permissions cannot be read: the pre-flight cannot
  // know, GitHub refuses the push, and the refusal is still reported clearly.
  await quiet();
  sandbox.github.setInstallationPermissions({ workflows: null });
  sandbox.github.failNext({ method: "GET", path: /\/app\/installations\/\d+$/, status: 404, count: 10 });
  const refused = await sandbox.gitlab.commitAndPush(project, { branch: "ci", files: { ".github/workflows/ci.yml": "on: [push, pull_request]\n" } });
  const after = await waitFor(() => statusOn(project, refused.after).find((s) => s.status === "failed"), { timeoutMs: 20_000, what: "the refusal status" });
  expect(after.description).toContain("GitHub refused to push refs/heads/ci because it touches .github/workflows");
  expect(await githubRef(repo, "refs/heads/ci")).toBe(next.after);
  sandbox.github.clearFaults();

  // No token in any report.
  const reports = JSON.stringify([sandbox.github.allCheckRuns(), sandbox.gitlab.statuses(project)]);
  for (const token of sandbox.github.issuedTokens) expect(reports).not.toContain(token);
  expect(reports).not.toContain(sandbox.gitlabToken);
});
