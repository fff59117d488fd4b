/**
 * GitLab pipelines as GitHub check runs, end to end in one process: the fake GitLab runs a
 * pipeline and sends its Pipeline and Job hooks to the app's GitLab webhook route, which refreshes
 * the pipeline's check run on the fake GitHub through the real clients (gitbeaker, Probot's
 * Octokit). The buttons and reconciliation are called as the app's handlers call them.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Probot, ProbotOctokit } from "probot";
import { createGitLabClient } from "../../src/gitlab/client.js";
import { GITLAB_WEBHOOK_PATH } from "../../src/gitlab/hooks.js";
import { createGitLabWebhookHandler } from "../../src/handlers/gitlab-push.js";
import { MirrorIndex } from "../../src/index/mirror-index.js";
import { ProjectLinks } from "../../src/index/project-links.js";
import { PipelineReporter, type PressedRun } from "../../src/pipelines/pipeline-reporter.js";
import { BackgroundTasks } from "../../src/worker/background.js";
import { git, startSandbox, type CheckRunRecord, type Sandbox } from "../../sandbox/index.js";
import { bufferLogger } from "../helpers/buffer-logger.js";
import { mirrorConfig } from "../helpers/mirror-config.js";

const mirror = mirrorConfig({ gitlab: "ci/app", direction: "push" });
const NAME = "GitLab CI (ci/app)";
const JOBS = [
  { name: "build", stage: "build" },
  { name: "test", stage: "test" },
  { name: "lint", stage: "test", allowFailure: true },
];

let sandbox: Sandbox;
let server: http.Server;
let hookUrl: string;
let reporter: PipelineReporter;
let background: BackgroundTasks;
let logs: Array<Record<string, any>>;
let repo: { installationId: number; owner: string; repo: string };
let sha: string;
let projectId: number;
let appBareDir: string;
let appOctokit: () => ReturnType<Probot["auth"]>;

beforeAll(async () => {
  sandbox = await startSandbox();
  const { github, gitlab } = sandbox;
  const buffered = bufferLogger();
  logs = buffered.lines;
  const probot = new Probot({
    appId: github.appId,
    privateKey: github.privateKeyPem,
    baseUrl: github.apiUrl,
    log: buffered.log,
    // Applied after Probot's own defaults: no write spacing in a test (the fake has no secondary limit).
    Octokit: ProbotOctokit.defaults((options: any) => ({ ...options, retry: { enabled: false }, throttle: { ...options.throttle, enabled: false } })),
  });
  const client = createGitLabClient({ url: gitlab.url, token: gitlab.token, retry: { attempts: 1, baseMs: 1 } });
  appOctokit = () => probot.auth(github.installationId);
  reporter = new PipelineReporter({ gitlab: client, getOctokit: (id) => probot.auth(id), log: buffered.log });
  background = new BackgroundTasks(buffered.log);

  const project = await gitlab.createProject({ path: "ci/app" });
  projectId = project.id;
  // Private: the private project's job logs may be shown on its check runs (see the public repository's test).
  const created = await github.createRepo({ owner: "octo", name: "app", private: true, files: { "README.md": "# app\n" } });
  appBareDir = created.bareDir;
  // The mirror's work: the commit is on both sides.
  await git(["push", "-q", project.bareDir, "refs/heads/main:refs/heads/main"], { cwd: created.bareDir });
  sha = (await github.refs("octo/app")).get("refs/heads/main")!;
  repo = { installationId: github.installationId, owner: "octo", repo: "app" };

  const index = new MirrorIndex();
  await index.set({ ...repo, mirrors: [mirror] });
  const links = new ProjectLinks({
    index,
    rescan: async () => ({ complete: true }),
    hooks: { remove: async () => ({ removed: 0 }), forget: () => undefined },
    log: buffered.log,
  });
  const handler = createGitLabWebhookHandler({
    secret: gitlab.webhookSecret,
    links,
    background,
    queue: { enqueue: async () => "queued" as const },
    log: buffered.log,
    pipelines: reporter,
  });
  server = http.createServer((req, res) => void handler(req, res).then((handled) => handled || res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${GITLAB_WEBHOOK_PATH}`;
  // The hook the app registers for a mirror reporting pipelines: pipeline and job events, no pushes.
  await client.ensureProjectHook(projectId, { url: hookUrl, token: gitlab.webhookSecret, events: { push: false, pipelines: true } });
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await sandbox.close();
});

/** Every hook sent so far was answered, and every refresh it started has written its check run. */
async function quiet(): Promise<void> {
  await sandbox.gitlab.settled();
  await background.drain();
}

const runsOf = (pipelineId: number): CheckRunRecord[] =>
  sandbox.github.checkRuns("octo/app").filter((r) => r.name === NAME && (r.external_id ?? "").split("-")[0] === String(pipelineId));

const pressed = (run: CheckRunRecord): PressedRun => ({
  id: run.id,
  name: run.name,
  externalId: run.external_id,
  headSha: run.head_sha,
  output: { title: run.output.title ?? "", summary: run.output.summary ?? "", text: run.output.text },
});

const checkRunWrites = () => sandbox.github.requests.filter((r) => /\/check-runs/.test(r.path) && r.method !== "GET").length;

test("the hook the app registers for a push mirror subscribes to pipeline and job events only", () => {
  const [hook] = sandbox.gitlab.hooks("ci/app");
  expect(hook).toMatchObject({ url: hookUrl, pipeline_events: true, job_events: true, push_events: false, tag_push_events: false });
});

test("a pipeline shows as a check run: queued, then red with the failing job's log, then green after Re-run as a new check run", async () => {
  const pipeline = sandbox.gitlab.createPipeline("ci/app", { sha, ref: "refs/heads/main", jobs: JOBS });
  await quiet();
  const [queued] = runsOf(pipeline.id);
  expect(queued).toMatchObject({ status: "queued", head_sha: sha, external_id: String(pipeline.id), details_url: `${sandbox.gitlab.url}/ci/app/-/pipelines/${pipeline.id}` });
  expect(queued!.actions.map((a) => a.identifier)).toEqual(["cancel-pipeline"]);

  await sandbox.gitlab.runPipeline("ci/app", pipeline.id, { test: "failed", lint: "failed" });
  await quiet();
  const [failed] = runsOf(pipeline.id);
  expect(failed).toMatchObject({ status: "completed", conclusion: "failure", actions: [] });
  expect(failed!.output.title).toBe(`Pipeline #${pipeline.id} failed: test`);
  // The table: every job with its status and a link; the job allowed to fail is a warning.
  expect(failed!.output.summary).toContain(`| test | [test](${sandbox.gitlab.url}/ci/app/-/jobs/`);
  expect(failed!.output.summary).toMatch(/\| \[lint\]\([^)]+\) \| ⚠️ failed \(allowed to fail\) \|/);
  expect(failed!.output.summary).toMatch(/\| build \| \[build\]\([^)]+\) \| ✅ success \|/);
  // The log's last 40 lines, cleaned: no colours, no section markers, the error at the end.
  const text = failed!.output.text!;
  expect(text).toContain("✗ test check 46: expected 200, got 500");
  expect(text).toContain("ERROR: Job failed: exit code 1");
  expect(text).not.toContain("\x1b");
  expect(text).not.toMatch(/section_(start|end)/);
  expect(text).not.toContain("✓ test check 5 ");

  await reporter.rerun(repo, pressed(failed!));
  await quiet();
  await sandbox.gitlab.runPipeline("ci/app", pipeline.id);
  await quiet();
  const [first, retried] = runsOf(pipeline.id);
  expect(first).toMatchObject({ id: failed!.id, conclusion: "failure" }); // the first run keeps its result
  expect(retried).toMatchObject({ status: "completed", conclusion: "success", external_id: `${pipeline.id}-retry-1` });
  expect(retried!.output.title).toBe(`Pipeline #${pipeline.id} passed`);
  expect(retried!.output.summary).toContain("re-run 1");
});

test("Re-run all checks retries every finished GitLab pipeline of the commit, each with a new check run", async () => {
  const failing = sandbox.gitlab.createPipeline("ci/app", { sha, ref: "refs/heads/main", jobs: [{ name: "unit" }], name: "nightly" });
  await sandbox.gitlab.runPipeline("ci/app", failing.id, { unit: "failed" });
  await quiet();
  expect(sandbox.github.checkRuns("octo/app").find((r) => r.external_id === String(failing.id))).toMatchObject({ name: `${NAME}: nightly`, conclusion: "failure" });

  await reporter.rerunCommit(repo, sha, [mirror]);
  await quiet();
  expect(sandbox.gitlab.pipeline("ci/app", failing.id).status).not.toBe("failed");
  await sandbox.gitlab.runPipeline("ci/app", failing.id);
  await quiet();
  const retried = sandbox.github.checkRuns("octo/app").find((r) => r.external_id === `${failing.id}-retry-1`);
  expect(retried).toMatchObject({ name: `${NAME}: nightly`, status: "completed", conclusion: "success" });
});

test("late, duplicate and out-of-order events never move a check run backwards", async () => {
  const pipeline = sandbox.gitlab.createPipeline("ci/app", { sha, ref: "refs/heads/main", jobs: [{ name: "unit" }] });
  const early = sandbox.gitlab.pipelineHookPayload("ci/app", pipeline.id);
  const earlyJob = sandbox.gitlab.jobHookPayload("ci/app", pipeline.id, "unit");
  await sandbox.gitlab.runPipeline("ci/app", pipeline.id);
  await quiet();
  const final = sandbox.gitlab.pipelineHookPayload("ci/app", pipeline.id);
  expect(runsOf(pipeline.id)).toMatchObject([{ status: "completed", conclusion: "success" }]);
  const writes = checkRunWrites();

  for (const [event, payload] of [
    ["Pipeline Hook", early],
    ["Job Hook", earlyJob],
    ["Pipeline Hook", final],
    ["Pipeline Hook", final],
  ] as const) {
    expect((await sandbox.gitlab.deliverGitLab(hookUrl, event, payload)).status).toBe(200);
  }
  await quiet();
  expect(runsOf(pipeline.id)).toMatchObject([{ status: "completed", conclusion: "success" }]);
  expect(checkRunWrites()).toBe(writes);

  // Re-run on a pipeline that passed: GitLab has nothing to retry, and the check run says so.
  await reporter.rerun(repo, pressed(runsOf(pipeline.id)[0]!));
  const [passed] = runsOf(pipeline.id);
  expect(passed).toMatchObject({ conclusion: "success" });
  expect(passed!.output.summary).toMatch(/^> Nothing to re-run: pipeline #\d+ has no failed or cancelled job\./);
});

test("Cancel pipeline cancels it on GitLab; a role that does not allow a retry is said on the check run", async () => {
  const pipeline = sandbox.gitlab.createPipeline("ci/app", { sha, ref: "refs/heads/main", jobs: [{ name: "slow" }] });
  await quiet();
  await reporter.cancel(repo, pressed(runsOf(pipeline.id)[0]!));
  await quiet();
  expect(sandbox.gitlab.pipeline("ci/app", pipeline.id).status).toBe("canceled");
  const [cancelled] = runsOf(pipeline.id);
  expect(cancelled).toMatchObject({ status: "completed", conclusion: "cancelled" });
  expect(cancelled!.output.title).toBe(`Pipeline #${pipeline.id} was cancelled`);

  sandbox.gitlab.failNext({ method: "POST", path: /\/retry$/, status: 403, body: { message: "403 Forbidden" } });
  await reporter.rerun(repo, pressed(cancelled!));
  await quiet();
  const [said] = runsOf(pipeline.id);
  expect(said).toMatchObject({ id: cancelled!.id, conclusion: "cancelled" });
  expect(said!.output.summary).toMatch(/^> GitLab refused to retry pipeline #\d+ \(403\): mirror-bot's GitLab token needs the Developer role/);
  expect(runsOf(pipeline.id)).toHaveLength(1);
});

test("a failing github/<check> status GitLab attaches to the pipeline does not turn its check run red; a pipeline of statuses only gets none", async () => {
  const pipeline = sandbox.gitlab.createPipeline("ci/app", { sha, ref: "refs/heads/main", jobs: [{ name: "unit" }] });
  const client = createGitLabClient({ url: sandbox.gitlab.url, token: sandbox.gitlab.token });
  await client.setCommitStatus(projectId, sha, { state: "failed", name: "github/ci", description: "Actions failed", ref: "main" });
  await sandbox.gitlab.runPipeline("ci/app", pipeline.id);
  await quiet();
  expect(sandbox.gitlab.pipeline("ci/app", pipeline.id).status).toBe("failed"); // GitLab's own view: the external job failed it
  const [run] = runsOf(pipeline.id);
  expect(run).toMatchObject({ status: "completed", conclusion: "success" });
  expect(run!.output.summary).not.toContain("github/ci");

  // The app's own `github-mirror` status on a tag ref makes a pipeline of its own.
  await client.setCommitStatus(projectId, sha, { state: "success", name: "github-mirror", description: "Mirrored", ref: "v1" });
  await quiet();
  const statusOnly = sandbox.gitlab.pipelines("ci/app").find((p) => p.ref === "v1")!;
  expect(statusOnly.source).toBe("external");
  expect(runsOf(statusOnly.id)).toHaveLength(0);
});

test("a pipeline of a commit GitHub does not have is ignored, with a debug line", async () => {
  const gitlabOnly = await sandbox.gitlab.commitAndPush("ci/app", { branch: "gitlab-only", files: { "x.txt": "x" } });
  const pipeline = sandbox.gitlab.createPipeline("ci/app", { sha: gitlabOnly.after, ref: "refs/heads/gitlab-only", jobs: [{ name: "unit" }] });
  await sandbox.gitlab.runPipeline("ci/app", pipeline.id);
  await quiet();
  expect(sandbox.github.checkRuns("octo/app").filter((r) => r.head_sha === gitlabOnly.after)).toHaveLength(0);
  expect(logs.some((l) => l.pipeline === pipeline.id && /its commit is not on GitHub/.test(l.msg))).toBe(true);
});

test("reconciliation completes a check run whose pipeline's events were lost", async () => {
  const pipeline = sandbox.gitlab.createPipeline("ci/app", { sha, ref: "refs/heads/main", jobs: [{ name: "unit" }, { name: "e2e" }] });
  await quiet();
  const [hook] = sandbox.gitlab.hooks("ci/app");
  hook!.pipeline_events = hook!.job_events = false; // GitLab's deliveries are lost
  try {
    await sandbox.gitlab.runPipeline("ci/app", pipeline.id, { e2e: "failed" });
  } finally {
    hook!.pipeline_events = hook!.job_events = true;
  }
  expect(runsOf(pipeline.id)).toMatchObject([{ status: "queued" }]);
  // A pass sooner than the interval leaves it alone; one after the interval asks GitLab.
  await reporter.reconcile(repo, [mirror], 60_000, new Date());
  expect(runsOf(pipeline.id)).toMatchObject([{ status: "queued" }]);
  await reporter.reconcile(repo, [mirror], 60_000, new Date(Date.now() + 61_000));
  expect(runsOf(pipeline.id)).toMatchObject([{ status: "completed", conclusion: "failure" }]);
});

test("a job log GitLab will not give still completes the check run, with a note", async () => {
  const pipeline = sandbox.gitlab.createPipeline("ci/app", { sha, ref: "refs/heads/main", jobs: [{ name: "unit" }] });
  sandbox.gitlab.failNext({ method: "GET", path: /\/trace$/, status: 500 });
  await sandbox.gitlab.runPipeline("ci/app", pipeline.id, { unit: "failed" });
  await quiet();
  const [run] = runsOf(pipeline.id);
  expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
  expect(run!.output.text).toMatch(/### ❌ unit \(stage test\)\n\nIts log could not be read: GitLab at .* answered 500\./);
});

test("two copies of a pipeline's check run (two replicas at once): the older one is completed as superseded, the newer one reports", async () => {
  const pipeline = sandbox.gitlab.createPipeline("ci/app", { sha, ref: "refs/heads/main", jobs: [{ name: "unit" }] });
  await quiet();
  const [older] = runsOf(pipeline.id);
  // What another replica's refresh, racing this one, created as the app.
  const octokit = await appOctokit();
  const { data: newer } = await octokit.rest.checks.create({ owner: "octo", repo: "app", name: NAME, head_sha: sha, external_id: String(pipeline.id), status: "queued" });
  expect(newer.id).toBeGreaterThan(older!.id);

  await sandbox.gitlab.runPipeline("ci/app", pipeline.id);
  await quiet();
  const runs = runsOf(pipeline.id);
  expect(runs).toHaveLength(2);
  expect(runs.find((r) => r.id === older!.id)).toMatchObject({ status: "completed", conclusion: "neutral", actions: [] });
  expect(runs.find((r) => r.id === older!.id)!.output.title).toBe("Superseded by a newer check run for this pipeline");
  expect(runs.find((r) => r.id === newer.id)).toMatchObject({ status: "completed", conclusion: "success" });
  expect(runs.find((r) => r.id === newer.id)!.output.title).toBe(`Pipeline #${pipeline.id} passed`);
});

test("a public repository does not show a private project's job logs: the check run links to the job instead", async () => {
  const { bareDir } = await sandbox.github.createRepo({ owner: "octo", name: "public-app", files: { "README.md": "# public\n" } });
  await git(["push", "-q", bareDir, `${sha}:refs/heads/shared`], { cwd: appBareDir });
  const publicRepo = { ...repo, repo: "public-app" };
  const pipeline = sandbox.gitlab.createPipeline("ci/app", { sha, ref: "refs/heads/main", jobs: [{ name: "unit" }] });
  await sandbox.gitlab.runPipeline("ci/app", pipeline.id, { unit: "failed" });
  await quiet();
  await reporter.refresh(publicRepo, { projectId, pipelineId: pipeline.id });
  const shown = runsOf(pipeline.id)[0]!; // octo/app is private: the log is there
  expect(shown.output.text).toContain("ERROR: Job failed: exit code 1");
  const [run] = sandbox.github.checkRuns("octo/public-app").filter((r) => r.external_id === String(pipeline.id));
  expect(run).toMatchObject({ status: "completed", conclusion: "failure" });
  const job = sandbox.gitlab.pipeline("ci/app", pipeline.id).jobs.find((j) => j.name === "unit")!;
  expect(run!.output.text).toBe(
    `### ❌ unit (stage test)\n\nIts log is not shown: the GitLab project (private) is more private than this GitHub repository (public). [Open the job on GitLab](${sandbox.gitlab.url}/ci/app/-/jobs/${job.id}).`,
  );
  expect(run!.output.text).not.toContain("exit code");
});

test("pipeline hooks are authenticated like push hooks; a merge request's pipeline and an unknown project are ignored", async () => {
  const pipeline = sandbox.gitlab.createPipeline("ci/app", { sha, ref: "refs/heads/main", jobs: [{ name: "unit" }] });
  await quiet();
  const payload = sandbox.gitlab.pipelineHookPayload("ci/app", pipeline.id);
  const writes = checkRunWrites();
  expect((await sandbox.gitlab.deliverGitLab(hookUrl, "Pipeline Hook", payload, { token: "wrong" })).status).toBe(401);
  expect((await sandbox.gitlab.deliverGitLab(hookUrl, "Job Hook", payload, { token: "" })).status).toBe(401);
  const stranger = { ...payload, project: { ...(payload.project as object), id: 999_999, path_with_namespace: "someone/else" } };
  const mergeRequest = { ...payload, object_attributes: { ...(payload.object_attributes as object), source: "merge_request_event", ref: "refs/merge-requests/7/head" } };
  const ignored = await sandbox.gitlab.deliverGitLab(hookUrl, "Pipeline Hook", mergeRequest);
  expect(JSON.parse(ignored.body)).toEqual({ outcome: "ignored" });
  expect(logs.some((l) => /merge request pipeline/.test(l.msg))).toBe(true);
  const answer = await sandbox.gitlab.deliverGitLab(hookUrl, "Pipeline Hook", stranger);
  expect(answer).toMatchObject({ status: 200 });
  expect(JSON.parse(answer.body)).toEqual({ outcome: "ignored" });
  await quiet();
  expect(checkRunWrites()).toBe(writes);
});

test("GitHub refusing check run writes (403) is logged once per repository, naming the permission", async () => {
  sandbox.github.failNext({ method: "POST", path: /\/check-runs$/, status: 403, count: 2, body: { message: "Resource not accessible by integration" } });
  for (const name of ["a", "b"]) sandbox.gitlab.createPipeline("ci/app", { sha, ref: "refs/heads/main", jobs: [{ name }] });
  await quiet();
  const refusals = logs.filter((l) => l.level >= 40 && /Checks: Read and write/.test(l.msg));
  expect(refusals).toHaveLength(1);
  expect(refusals[0]).toMatchObject({ level: 40, repo: "octo/app" });
});
