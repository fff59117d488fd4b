/**
 * GitHub → GitLab CI results through the real handlers: signed-in Probot (in process) against the
 * fake GitHub, the real GitLab client against the fake GitLab (which keeps GitLab's commit status
 * transition rules), `.mirror.yml` read from the repository as a mirror job reads it. Events are
 * built by the fake GitHub from @octokit/webhooks-examples and received as Probot receives them.
 */
import { randomUUID } from "node:crypto";
import { Probot, ProbotOctokit } from "probot";
import { createCheckResultMirror } from "../../src/checks-to-gitlab/mirror-check-result.js";
import { ownAppId } from "../../src/github/commit-statuses.js";
import { createGitLabClient } from "../../src/gitlab/client.js";
import { MirrorIndex } from "../../src/index/mirror-index.js";
import { scanAllInstallations } from "../../src/index/scan-installations.js";
import { registerCheckResultHandlers } from "../../src/handlers/github-checks.js";
import { MemoryCacheVersions } from "../../src/records/cache-versions.js";
import { BackgroundTasks } from "../../src/worker/background.js";
import { ConfigCache, MAX_AGE_MS } from "../../src/worker/config-cache.js";
import { basicAuthConfig, configEnv } from "../../sandbox/git.js";
import { git, startSandbox, type Sandbox } from "../../sandbox/index.js";
import { bufferLogger } from "../helpers/buffer-logger.js";

let sandbox: Sandbox;
let counter = 0;
let shared: ReturnType<typeof app>;
type Pair = Awaited<ReturnType<typeof pair>>;
/** Made once, in parallel (each is a repository, a project and a git push); each test uses its own check names. */
let pulling: Pair, both: Pair, pushing: Pair, pushingWithChecks: Pair, forbidden: Pair;

beforeAll(async () => {
  sandbox = await startSandbox();
  shared = app();
  [pulling, both, pushing, pushingWithChecks, forbidden] = await Promise.all([pair("pull"), pair("both"), pair("push"), pair("push", "    checks: true\n"), pair("pull")]);
  await shared.scan();
});
afterAll(async () => {
  await sandbox?.close();
});

/** The app's check-result handlers, wired as app.ts wires them, with a log the test can read. */
function app() {
  const { log, lines } = bufferLogger("debug");
  const index = new MirrorIndex();
  const background = new BackgroundTasks(log);
  const probot = new Probot({
    appId: sandbox.appId,
    privateKey: sandbox.privateKeyPem,
    baseUrl: sandbox.github.apiUrl,
    log,
    Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
  });
  const gitlab = createGitLabClient({ url: sandbox.gitlab.url, token: sandbox.gitlabToken, retry: { attempts: 2, baseMs: 5 } });
  // The config cache's clock is the test's: a reading ages only when a test says so.
  const clock = { now: Date.now() };
  const configs = new ConfigCache({ versions: new MemoryCacheVersions(), getOctokit: (id) => probot.auth(id), log, now: () => clock.now });
  const mirror = createCheckResultMirror({
    env: { gitlabUrl: sandbox.gitlab.url, retryAttempts: 2, retryBaseMs: 5 },
    index,
    configs,
    gitlab,
    getOctokit: (id) => probot.auth(id),
    log,
  });
  void probot.load((p) => registerCheckResultHandlers(p, { appId: ownAppId(() => probot.auth()), mirror, background }));
  return {
    lines,
    clock,
    /** Learns every repository's mirrors as the app does at start (its readings fill the config cache). */
    scan: () => scanAllInstallations(probot, { index, configs, allowedGitLabUrl: sandbox.gitlab.url }),
    /** Delivers events at once (as GitHub may, to one replica) and waits until what they started has finished. */
    async receiveTogether(name: string, payloads: Array<Record<string, unknown>>): Promise<void> {
      await Promise.all(payloads.map((payload) => probot.receive({ id: randomUUID(), name, payload } as never)));
      await background.drain();
    },
    /** Delivers an event and waits until what it started has finished. */
    async receive(name: string, payload: Record<string, unknown>): Promise<void> {
      await probot.receive({ id: randomUUID(), name, payload } as never);
      await background.drain();
    },
    /** What was logged from here on (one app serves every test: its installation token is made once). */
    fromNow() {
      const start = lines.length;
      return { lines: () => lines.slice(start), messages: () => lines.slice(start).map((l) => String(l.msg)) };
    },
  };
}

/** A GitHub repository mirrored with `direction`, and its GitLab project holding the same commit. */
async function pair(direction: "pull" | "both" | "push", yml = "") {
  const id = `${Date.now().toString(36)}${(counter++).toString(36)}`;
  const project = await sandbox.gitlab.createProject({ path: `group/checks/p${id}` });
  const { fullName: repo, bareDir } = await sandbox.github.createRepo({
    owner: "octo",
    name: `ck${id}`,
    files: { ".mirror.yml": `mirrors:\n  - gitlab: ${project.path}\n    direction: ${direction}\n${yml}`, "README.md": "# checks\n" },
  });
  const sha = (await sandbox.github.refs(repo)).get("refs/heads/main")!;
  await git(["push", "--quiet", project.httpUrl, "refs/heads/main:refs/heads/main"], { cwd: bareDir, env: configEnv([basicAuthConfig("oauth2", sandbox.gitlabToken)]) });
  return { repo, project: project.path, sha };
}

const statusesOf = (project: string, name?: string) => sandbox.gitlab.statuses(project).filter((s) => !name || s.name === name);
const namesOn = (project: string, sha: string) =>
  sandbox.gitlab
    .statuses(project)
    .filter((s) => s.sha === sha)
    .map((s) => s.name);
const checkRunEvent = (repo: string, action: string, id: number) => sandbox.github.checkRunEvent(repo, action, id);

describe("GitHub check runs as GitLab commit statuses", () => {
  it("shows another app's check run on the GitLab commit as github/<name>, from queued to its conclusion, linking the run", async () => {
    const { repo, project, sha } = pulling;
    const run = await sandbox.github.createForeignCheckRun(repo, { name: "build", head_sha: sha, status: "queued" });
    await shared.receive("check_run", checkRunEvent(repo, "created", run.id));
    expect(statusesOf(project, "github/build")).toEqual([expect.objectContaining({ sha, status: "pending", description: "GitHub: queued" })]);

    sandbox.github.updateForeignCheckRun(run.id, { conclusion: "failure", output: { title: "2 tests failed", summary: "…" } });
    await shared.receive("check_run", checkRunEvent(repo, "completed", run.id));
    const statuses = statusesOf(project, "github/build");
    expect(statuses).toHaveLength(1); // the pending job moved on, as a CI's job does
    expect(statuses[0]).toMatchObject({ status: "failed", description: "GitHub: failure - 2 tests failed", target_url: `${sandbox.github.url}/${repo}/runs/${run.id}` });
  });

  it("never goes backwards: a duplicate completed and a late in-progress change nothing; a re-run starts afresh", async () => {
    const { repo, project, sha } = both;
    const log = shared.fromNow();
    const run = await sandbox.github.createForeignCheckRun(repo, { name: "test", head_sha: sha, status: "in_progress" });
    const lateCreated = checkRunEvent(repo, "created", run.id); // delivered last
    sandbox.github.updateForeignCheckRun(run.id, { conclusion: "success" });
    const completed = checkRunEvent(repo, "completed", run.id);
    await shared.receive("check_run", completed);
    await shared.receive("check_run", completed);
    await shared.receive("check_run", lateCreated);
    expect(statusesOf(project, "github/test").map((s) => s.status)).toEqual(["success"]);
    // The late `created` is read back from GitHub: the run is completed, as GitLab already shows.
    expect(log.messages().filter((m) => m === "GitLab status left as it is: GitLab already shows it")).toHaveLength(2);

    // Re-run: GitHub makes a new check run (a larger id) with the same name.
    const rerun = await sandbox.github.createForeignCheckRun(repo, { name: "test", head_sha: sha, status: "queued" });
    await shared.receive("check_run", checkRunEvent(repo, "created", rerun.id));
    sandbox.github.updateForeignCheckRun(rerun.id, { conclusion: "failure" });
    await shared.receive("check_run", checkRunEvent(repo, "completed", rerun.id));
    await shared.receive("check_run", completed); // the first run's, very late
    const shown = statusesOf(project, "github/test");
    expect(shown.map((s) => s.status)).toEqual(["success", "failed"]);
    expect(shown[1]!.target_url).toBe(`${sandbox.github.url}/${repo}/runs/${rerun.id}`);
    expect(log.lines().filter((l) => l.level >= 40)).toEqual([]); // GitLab's refusals are never warnings
  });

  it("writes what GitHub shows now, not a late event: a created event handled after the run completed (another replica) writes its conclusion", async () => {
    const { repo, project } = both;
    const run = await sandbox.github.createForeignCheckRun(repo, { name: "replicas", head_sha: both.sha, status: "in_progress" });
    const created = checkRunEvent(repo, "created", run.id);
    sandbox.github.updateForeignCheckRun(run.id, { conclusion: "success", output: { title: "all green", summary: "…" } });
    // `completed` is still on its way through another replica: GitLab shows nothing yet.
    await shared.receive("check_run", created);
    expect(statusesOf(project, "github/replicas").map((s) => [s.status, s.description])).toEqual([["success", "GitHub: success - all green"]]);
    await shared.receive("check_run", checkRunEvent(repo, "completed", run.id));
    expect(statusesOf(project, "github/replicas").map((s) => s.status)).toEqual(["success"]);

    // GitHub cannot be read: the event alone, which may only move forward.
    const unread = await sandbox.github.createForeignCheckRun(repo, { name: "unread", head_sha: both.sha, status: "in_progress" });
    const unreadCreated = checkRunEvent(repo, "created", unread.id);
    sandbox.github.updateForeignCheckRun(unread.id, { conclusion: "failure" });
    sandbox.github.failNext({ method: "GET", path: new RegExp(`/check-runs/${unread.id}$`), status: 500 });
    await shared.receive("check_run", unreadCreated);
    expect(statusesOf(project, "github/unread").map((s) => s.status)).toEqual(["running"]);
  });

  it("ignores a commit GitLab does not have, with a debug line", async () => {
    const { repo, project } = pulling;
    const log = shared.fromNow();
    const onlyOnGitHub = await sandbox.github.seedHistory(repo, { commits: 1, branch: "topic" }); // one commit, straight into GitHub's repository
    const run = await sandbox.github.createForeignCheckRun(repo, { name: "build", head_sha: onlyOnGitHub, conclusion: "success" });
    await shared.receive("check_run", checkRunEvent(repo, "completed", run.id));
    expect(namesOn(project, onlyOnGitHub)).toEqual([]);
    expect(log.messages()).toContain("GitHub check not mirrored: GitLab does not have this commit (yet) on a branch");
    expect(log.lines().filter((l) => l.level >= 40)).toEqual([]);
  });

  it("mirrors nothing for a push mirror, without a GitHub call, unless it says checks: true", async () => {
    const log = shared.fromNow();
    sandbox.github.resetRequests();
    for (const { repo, sha } of [pushing, pushingWithChecks]) {
      const run = await sandbox.github.createForeignCheckRun(repo, { name: "build", head_sha: sha, conclusion: "success" });
      await shared.receive("check_run", checkRunEvent(repo, "completed", run.id));
    }
    expect(statusesOf(pushing.project)).toEqual([]);
    // Busy repositories send an event per CI job: the mirror index answers for those with nothing to do.
    expect(sandbox.github.requests.filter((r) => r.path.includes(`/repos/${pushing.repo}/`))).toEqual([]);
    // The one with checks on confirms with its config, which the scan left in the config cache.
    expect(sandbox.github.requests.filter((r) => r.path.includes(`/repos/${pushingWithChecks.repo}/contents`))).toEqual([]);
    expect(log.messages()).toContain("GitHub check not mirrored: no mirror with checks on (mirror index)");
    expect(statusesOf(pushingWithChecks.project).map((s) => [s.name, s.status])).toEqual([["github/build", "success"]]);
  });

  it("reads .mirror.yml for a burst of check events from the config cache, and checks it with a 304 once it is a minute old", async () => {
    const { repo, project, sha } = pulling;
    sandbox.github.resetRequests();
    const contentsReads = () => sandbox.github.requests.filter((r) => r.path.includes(`/repos/${repo}/contents/.mirror.yml`));
    const runs = await Promise.all(["burst-1", "burst-2", "burst-3"].map((name) => sandbox.github.createForeignCheckRun(repo, { name, head_sha: sha, conclusion: "success" })));
    await shared.receiveTogether(
      "check_run",
      runs.map((run) => checkRunEvent(repo, "completed", run.id)),
    );
    expect(contentsReads()).toEqual([]);
    shared.clock.now += MAX_AGE_MS;
    const late = await sandbox.github.createForeignCheckRun(repo, { name: "burst-4", head_sha: sha, conclusion: "failure" });
    await shared.receive("check_run", checkRunEvent(repo, "completed", late.id));
    expect(contentsReads().map((r) => [r.status, typeof r.headers["if-none-match"]])).toEqual([[304, "string"]]);
    expect(
      statusesOf(project)
        .filter((s) => s.name.startsWith("github/burst-"))
        .map((s) => [s.name, s.status])
        .sort(),
    ).toEqual([
      ["github/burst-1", "success"],
      ["github/burst-2", "success"],
      ["github/burst-3", "success"],
      ["github/burst-4", "failed"],
    ]);
  });

  it("logs a 403 once per project, saying which role the token needs, and never as a failed webhook", async () => {
    const { repo, project, sha } = forbidden;
    const log = shared.fromNow();
    sandbox.gitlab.failNext({ method: "POST", path: /\/statuses\//, status: 403, count: 2, body: { message: "403 Forbidden" } });
    for (const checkName of ["lint", "unit"]) {
      const run = await sandbox.github.createForeignCheckRun(repo, { name: checkName, head_sha: sha, conclusion: "success" });
      await shared.receive("check_run", checkRunEvent(repo, "completed", run.id));
    }
    const warnings = log.lines().filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain(`GitHub checks are not shown on GitLab project ${project}`);
    expect(warnings[0]!.msg).toContain("needs the Developer role");
    expect(statusesOf(project)).toEqual([]);

    const run = await sandbox.github.createForeignCheckRun(repo, { name: "e2e", head_sha: sha, conclusion: "success" });
    await shared.receive("check_run", checkRunEvent(repo, "completed", run.id));
    expect(statusesOf(project).map((s) => s.name)).toEqual(["github/e2e"]);
  });
});

describe("GitLab's answers", () => {
  it("takes a 400 'Cannot transition status' as GitLab keeping its status, and retries a 409 (another update held the commit's lock)", async () => {
    const { repo, project, sha } = pulling;
    const log = shared.fromNow();
    const refused = 'Cannot transition status via :run from :running (Reason(s): Status cannot transition via "run")';
    sandbox.gitlab.failNext({ method: "POST", path: /\/statuses\//, status: 400, body: { message: refused } });
    const racing = await sandbox.github.createForeignCheckRun(repo, { name: "race", head_sha: sha, status: "in_progress" });
    await shared.receive("check_run", checkRunEvent(repo, "created", racing.id));
    expect(statusesOf(project, "github/race")).toEqual([]);
    expect(log.lines().find((l) => l.msg === "GitLab status left as it is: GitLab refused the move")).toMatchObject({ level: 20, answer: refused });

    sandbox.gitlab.failNext({ method: "POST", path: /\/statuses\//, status: 409, body: { message: "Another update to this commit status is in progress" } });
    sandbox.github.updateForeignCheckRun(racing.id, { conclusion: "success" });
    await shared.receive("check_run", checkRunEvent(repo, "completed", racing.id));
    expect(statusesOf(project, "github/race").map((s) => s.status)).toEqual(["success"]);
    expect(log.lines().filter((l) => l.level >= 40)).toEqual([]);
  });
});

describe("GitHub commit statuses as GitLab commit statuses", () => {
  it("mirrors a status as github/<context> with its link, and a late pending after the result changes nothing", async () => {
    const { repo, project, sha } = pulling;
    const pending = await sandbox.github.createCommitStatus(repo, sha, { state: "pending", context: "ci/jenkins", target_url: "https://ci.example.com/job/7" });
    const pendingEvent = await sandbox.github.statusEvent(repo, pending.id);
    await shared.receive("status", pendingEvent);
    expect(statusesOf(project, "github/ci/jenkins")).toEqual([expect.objectContaining({ status: "pending", target_url: "https://ci.example.com/job/7" })]);

    const done = await sandbox.github.createCommitStatus(repo, sha, {
      state: "error",
      context: "ci/jenkins",
      description: "Build broke",
      target_url: "https://ci.example.com/job/7",
    });
    await shared.receive("status", await sandbox.github.statusEvent(repo, done.id));
    await shared.receive("status", pendingEvent); // redelivered late
    expect(statusesOf(project, "github/ci/jenkins").map((s) => [s.status, s.description])).toEqual([["failed", "GitHub: error - Build broke"]]);
  });
});

describe("events at the same time", () => {
  it("handles two events for one status one after the other: one GitLab status, never two", async () => {
    const { repo, project, sha } = pulling;
    const pending = await sandbox.github.createCommitStatus(repo, sha, { state: "pending", context: "ci/together" });
    const success = await sandbox.github.createCommitStatus(repo, sha, { state: "success", context: "ci/together" });
    const run = await sandbox.github.createForeignCheckRun(repo, { name: "together", head_sha: sha, conclusion: "success" });
    const completed = checkRunEvent(repo, "completed", run.id);
    await Promise.all([
      shared.receiveTogether("status", [await sandbox.github.statusEvent(repo, pending.id), await sandbox.github.statusEvent(repo, success.id)]),
      shared.receiveTogether("check_run", [completed, completed]),
    ]);
    expect(statusesOf(project, "github/ci/together").map((s) => s.status)).toEqual(["success"]);
    expect(statusesOf(project, "github/together").map((s) => s.status)).toEqual(["success"]);
  });
});

describe("loop-free in both directions", () => {
  it("never carries back what the app wrote: its own check runs and gitlab/ statuses stay on GitHub, and nothing is written to GitHub", async () => {
    const { repo, project, sha } = both;
    const log = shared.fromNow();
    const before = statusesOf(project).length;
    sandbox.github.resetRequests();
    // The app's own check runs: the mirror's report and a GitLab pipeline shown as a check run.
    const octokit = await new Probot({ appId: sandbox.appId, privateKey: sandbox.privateKeyPem, baseUrl: sandbox.github.apiUrl }).auth(sandbox.github.installationId);
    const [owner, name] = repo.split("/") as [string, string];
    for (const checkName of [`GitLab mirror (${project})`, `GitLab CI (${project})`]) {
      const { data } = await octokit.rest.checks.create({ owner, repo: name, name: checkName, head_sha: sha, conclusion: "failure", output: { title: "x", summary: "y" } });
      await shared.receive("check_run", checkRunEvent(repo, "completed", data.id));
    }
    // GitLab's own GitHub integration reporting the pipeline: carried back, it would be a job of that pipeline.
    const fromGitLab = await sandbox.github.createCommitStatus(repo, sha, { state: "pending", context: "ci/gitlab/gitlab.example.com" });
    await shared.receive("status", await sandbox.github.statusEvent(repo, fromGitLab.id));
    expect(statusesOf(project)).toHaveLength(before);
    expect(log.messages().filter((m) => m === "check run not mirrored to GitLab: the app's own check run")).toHaveLength(2);
    expect(log.messages()).toContain("commit status not mirrored to GitLab: a GitLab pipeline's own status (GitLab's GitHub integration)");

    // Another CI's status still goes across; and nothing is ever written back to GitHub.
    const ci = await sandbox.github.createCommitStatus(repo, sha, { state: "success", context: "ci/circleci" });
    await shared.receive("status", await sandbox.github.statusEvent(repo, ci.id));
    expect(statusesOf(project, "github/ci/circleci").map((s) => s.status)).toEqual(["success"]);
    const writes = sandbox.github.requests.filter((r) => r.path.startsWith("/api/v3/repos") && r.method !== "GET");
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      expect.stringMatching(/^POST \/api\/v3\/repos\/.*\/check-runs$/), // the two made by this test, as the app
      expect.stringMatching(/^POST \/api\/v3\/repos\/.*\/check-runs$/),
    ]);
  });
});
