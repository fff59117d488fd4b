/**
 * The fake GitHub answers like GitHub: proven with the real clients (@octokit/rest with
 * @octokit/auth-app, Probot's own Octokit) and real git over smart HTTP.
 */
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { verify } from "@octokit/webhooks-methods";
import { generateKeyPair } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Probot } from "probot";
import { basicAuthConfig, configEnv, git, ZERO_SHA } from "../../../sandbox/git.js";
import { startSandbox, type Sandbox } from "../../../sandbox/index.js";
import { startCaptureServer } from "./capture-server.js";

let sandbox: Sandbox;
let tmp: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  tmp = await mkdtemp(path.join(os.tmpdir(), "fake-github-test-"));
});

afterAll(async () => {
  await sandbox.close();
  await rm(tmp, { recursive: true, force: true });
});

afterEach(() => {
  sandbox.github.clearFaults();
  expect(sandbox.github.errors).toEqual([]);
  expect(sandbox.github.unmatchedRequests).toEqual([]);
});

/** Octokit logs every failed request; these tests provoke failures on purpose. */
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function appOctokit(): Octokit {
  return new Octokit({
    log: quiet,
    baseUrl: sandbox.github.apiUrl,
    authStrategy: createAppAuth,
    auth: { appId: sandbox.appId, privateKey: sandbox.privateKeyPem, installationId: sandbox.github.installationId },
  });
}

let repoCounter = 0;
async function newRepo(options: { private?: boolean; files?: Record<string, string> } = {}) {
  return sandbox.github.createRepo({
    owner: "octo",
    name: `repo-${++repoCounter}`,
    files: options.files ?? { "README.md": "# hello\n", ".mirror.yml": "mirrors:\n  - gitlab: group/project\n" },
    private: options.private,
  });
}

describe("app authentication", () => {
  it("trades a JWT signed with the app key for an installation token, like GitHub", async () => {
    const octokit = appOctokit();
    const { data: app } = await octokit.rest.apps.getAuthenticated();
    expect(app).toMatchObject({ id: sandbox.appId, slug: "mirror-bot" });
    const { data: installations } = await octokit.rest.apps.listInstallations();
    expect(installations.map((i) => i.id)).toEqual([sandbox.github.installationId]);
    const { fullName } = await newRepo();
    const [owner, repo] = fullName.split("/") as [string, string];
    expect((await octokit.rest.apps.getRepoInstallation({ owner, repo })).data).toMatchObject({ id: sandbox.github.installationId, app_id: sandbox.appId });
    expect((await octokit.rest.apps.getInstallation({ installation_id: sandbox.github.installationId })).data.permissions).toMatchObject({ checks: "write" });

    const jwtOnly = new Octokit({ log: quiet, baseUrl: sandbox.github.apiUrl, authStrategy: createAppAuth, auth: { appId: sandbox.appId, privateKey: sandbox.privateKeyPem } });
    const { data: token } = await jwtOnly.rest.apps.createInstallationAccessToken({ installation_id: sandbox.github.installationId });
    expect(token.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(token).toMatchObject({ permissions: { contents: "write", checks: "write", metadata: "read", issues: "write" }, repository_selection: "all" });
    expect(Date.parse(token.expires_at)).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(sandbox.github.issuedTokens).toContain(token.token);

    const { repositories, total_count } = (await new Octokit({ log: quiet, baseUrl: sandbox.github.apiUrl, auth: token.token }).rest.apps.listReposAccessibleToInstallation()).data;
    expect(total_count).toBe(repositories.length);
  });

  it("refuses a JWT signed by another key and unknown tokens", async () => {
    const { privateKey: other } = await promisify(generateKeyPair)("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    const forged = new Octokit({ log: quiet, baseUrl: sandbox.github.apiUrl, authStrategy: createAppAuth, auth: { appId: sandbox.appId, privateKey: other } });
    await expect(forged.rest.apps.getAuthenticated()).rejects.toMatchObject({ status: 401 });

    const { fullName } = await newRepo();
    const [owner, repo] = fullName.split("/") as [string, string];
    const stranger = new Octokit({ log: quiet, baseUrl: sandbox.github.apiUrl, auth: "ghs_notatoken" });
    await expect(stranger.rest.repos.get({ owner, repo })).rejects.toMatchObject({
      status: 401,
      response: { data: { message: "Bad credentials", documentation_url: expect.any(String) } },
    });
  });

  it("works with Probot's own Octokit pointed at GHE_HOST", async () => {
    const probot = new Probot({ appId: sandbox.appId, privateKey: sandbox.privateKeyPem, baseUrl: sandbox.github.apiUrl });
    const octokit = await probot.auth(sandbox.github.installationId);
    const { fullName } = await newRepo();
    const [owner, repo] = fullName.split("/") as [string, string];
    const { data } = await octokit.rest.repos.get({ owner, repo });
    expect(data.full_name).toBe(fullName);
  });
});

describe("repositories and contents", () => {
  it("returns the repository object of the REST reference", async () => {
    const created = await newRepo({ private: true });
    const [owner, repo] = created.fullName.split("/") as [string, string];
    const { data } = await appOctokit().rest.repos.get({ owner, repo });
    expect(data).toMatchObject({
      id: created.id,
      name: repo,
      full_name: created.fullName,
      private: true,
      visibility: "private",
      default_branch: "main",
      owner: { login: "octo", type: "User" },
      html_url: `${sandbox.github.url}/${created.fullName}`,
      clone_url: created.cloneUrl,
      url: `${sandbox.github.apiUrl}/repos/${created.fullName}`,
    });
    expect(data.clone_url).toBe(`${sandbox.github.url}/${created.fullName}.git`);
    await expect(appOctokit().rest.repos.get({ owner, repo: "nope" })).rejects.toMatchObject({
      status: 404,
      response: { data: { message: "Not Found" } },
    });
  });

  it("reads a file at a ref and answers 404 for missing files and refs", async () => {
    const { fullName } = await newRepo({ files: { ".mirror.yml": "mirrors: []\n", "docs/a.md": "A" } });
    const [owner, repo] = fullName.split("/") as [string, string];
    const octokit = appOctokit();
    const { data } = await octokit.rest.repos.getContent({ owner, repo, path: ".mirror.yml" });
    if (Array.isArray(data) || data.type !== "file") throw new Error("expected a file");
    expect(Buffer.from(data.content, "base64").toString()).toBe("mirrors: []\n");
    expect(data).toMatchObject({ encoding: "base64", name: ".mirror.yml", path: ".mirror.yml", size: 12 });
    expect(data.sha).toMatch(/^[0-9a-f]{40}$/);

    const pushed = await sandbox.github.commitAndPush(fullName, { branch: "feature", files: { ".mirror.yml": "changed\n" } });
    const atFeature = await octokit.rest.repos.getContent({ owner, repo, path: ".mirror.yml", ref: pushed.after });
    expect(Buffer.from((atFeature.data as { content: string }).content, "base64").toString()).toBe("changed\n");

    const dir = await octokit.rest.repos.getContent({ owner, repo, path: "docs" });
    expect(dir.data).toEqual([expect.objectContaining({ type: "file", name: "a.md", path: "docs/a.md", size: 1 })]);
    await expect(octokit.rest.repos.getContent({ owner, repo, path: "missing.yml" })).rejects.toMatchObject({ status: 404 });
    await expect(octokit.rest.repos.getContent({ owner, repo, path: ".mirror.yml", ref: "no-such-branch" })).rejects.toMatchObject({ status: 404 });
  });
});

describe("branches and commits", () => {
  it("reads branches (names with slashes too) and commits, and 404s unknown branches", async () => {
    const { fullName } = await newRepo();
    const [owner, repo] = fullName.split("/") as [string, string];
    const pushed = await sandbox.github.commitAndPush(fullName, { branch: "feature/x", files: { "f.txt": "f" }, message: "Add f" });
    const octokit = appOctokit();
    const { data: branch } = await octokit.rest.repos.getBranch({ owner, repo, branch: "feature/x" });
    expect(branch).toMatchObject({
      name: "feature/x",
      protected: false,
      commit: { sha: pushed.after, commit: { message: "Add f" }, parents: [{ sha: pushed.before === ZERO_SHA ? expect.any(String) : pushed.before }] },
    });
    const { data: branches } = await octokit.rest.repos.listBranches({ owner, repo });
    expect(branches.map((b) => b.name).sort()).toEqual(["feature/x", "main"]);
    expect((await octokit.rest.repos.getCommit({ owner, repo, ref: pushed.after })).data).toMatchObject({ sha: pushed.after, commit: { author: { name: "Sandbox Developer" } } });
    await expect(octokit.rest.repos.getBranch({ owner, repo, branch: "nope" })).rejects.toMatchObject({ status: 404, response: { data: { message: "Branch not found" } } });
  });
});

describe("check runs", () => {
  it("creates, updates with annotations, lists and reads back like GitHub", async () => {
    const { fullName } = await newRepo();
    const [owner, repo] = fullName.split("/") as [string, string];
    const sha = (await sandbox.github.refs(fullName)).get("refs/heads/main")!;
    const octokit = appOctokit();
    const { data: created } = await octokit.rest.checks.create({
      owner,
      repo,
      name: "mirror",
      head_sha: sha,
      status: "in_progress",
      output: { title: "Mirroring", summary: "started" },
    });
    expect(created).toMatchObject({ name: "mirror", head_sha: sha, status: "in_progress", conclusion: null });
    expect(created.started_at).toEqual(expect.any(String));

    const annotation = (i: number) => ({ path: ".mirror.yml", start_line: i, end_line: i, annotation_level: "failure" as const, message: `bad ${i}` });
    const { data: done } = await octokit.rest.checks.update({
      owner,
      repo,
      check_run_id: created.id,
      conclusion: "failure",
      output: { title: "Failed", summary: "see annotations", annotations: Array.from({ length: 50 }, (_, i) => annotation(i + 1)) },
      actions: [{ label: "Retry", description: "Mirror again", identifier: "retry" }],
    });
    expect(done).toMatchObject({ status: "completed", conclusion: "failure", output: { title: "Failed", annotations_count: 50 } });
    expect(done.completed_at).toEqual(expect.any(String));
    await octokit.rest.checks.update({ owner, repo, check_run_id: created.id, output: { summary: "see annotations", annotations: [annotation(51)] } });

    const { data: read } = await octokit.rest.checks.get({ owner, repo, check_run_id: created.id });
    expect(read.output.annotations_count).toBe(51);
    const annotations = await octokit.paginate(octokit.rest.checks.listAnnotations, { owner, repo, check_run_id: created.id, per_page: 20 });
    expect(annotations).toHaveLength(51);
    const { data: list } = await octokit.rest.checks.listForRef({ owner, repo, ref: "main" });
    expect(list).toMatchObject({ total_count: 1, check_runs: [{ id: created.id }] });

    const stored = sandbox.github.checkRuns(fullName);
    expect(stored).toHaveLength(1);
    expect(sandbox.github.allCheckRuns()).toContain(stored[0]);
    expect(stored[0]!.annotations[50]).toMatchObject({ message: "bad 51" });
    expect(stored[0]!.actions).toEqual([{ label: "Retry", description: "Mirror again", identifier: "retry" }]);
  });

  it("answers 422 where GitHub does", async () => {
    const { fullName } = await newRepo();
    const [owner, repo] = fullName.split("/") as [string, string];
    const sha = (await sandbox.github.refs(fullName)).get("refs/heads/main")!;
    const octokit = appOctokit();
    const create = (body: Record<string, unknown>) => octokit.request("POST /repos/{owner}/{repo}/check-runs", { owner, repo, ...body } as never);
    await expect(create({ name: "mirror" })).rejects.toMatchObject({ status: 422, response: { data: { message: expect.stringContaining('"head_sha" wasn\'t supplied') } } });
    await expect(create({ head_sha: sha })).rejects.toMatchObject({ status: 422 });
    await expect(create({ name: "mirror", head_sha: "0".repeat(39) + "1" })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: expect.stringContaining("No commit found") } },
    });
    await expect(create({ name: "mirror", head_sha: sha, output: { title: "t", summary: "x".repeat(65_536) } })).rejects.toMatchObject({ status: 422 });
    await expect(create({ name: "mirror", head_sha: sha, status: "completed" })).rejects.toMatchObject({ status: 422 });

    const { data: run } = await octokit.rest.checks.create({ owner, repo, name: "mirror", head_sha: sha });
    const tooMany = Array.from({ length: 51 }, () => ({ path: "a", start_line: 1, end_line: 1, annotation_level: "notice" as const, message: "m" }));
    await expect(octokit.rest.checks.update({ owner, repo, check_run_id: run.id, output: { title: "t", summary: "s", annotations: tooMany } })).rejects.toMatchObject({
      status: 422,
    });
    expect(sandbox.github.checkRuns(fullName).find((r) => r.id === run.id)!.annotations).toHaveLength(0);
  });
});

describe("issues", () => {
  it("creates, finds by label, updates and comments", async () => {
    const { fullName } = await newRepo();
    const [owner, repo] = fullName.split("/") as [string, string];
    const octokit = appOctokit();
    const { data: issue } = await octokit.rest.issues.create({ owner, repo, title: "Mirror failing", body: "details", labels: ["mirror-bot"] });
    expect(issue).toMatchObject({ number: 1, state: "open", labels: [{ name: "mirror-bot" }], user: { login: "mirror-bot[bot]", type: "Bot" } });
    await octokit.rest.issues.create({ owner, repo, title: "other" });
    const { data: found } = await octokit.rest.issues.listForRepo({ owner, repo, labels: "mirror-bot", state: "open" });
    expect(found.map((i) => i.number)).toEqual([1]);
    await octokit.rest.issues.createComment({ owner, repo, issue_number: 1, body: "still failing" });
    const { data: closed } = await octokit.rest.issues.update({ owner, repo, issue_number: 1, state: "closed" });
    expect(closed).toMatchObject({ state: "closed", comments: 1, state_reason: "completed" });
    expect((await octokit.rest.issues.listForRepo({ owner, repo, labels: "mirror-bot" })).data).toEqual([]);
    expect(sandbox.github.issues(fullName)[0]!.comments[0]!.body).toBe("still failing");
  });
});

describe("git over smart HTTP", () => {
  const auth = (token: string) => configEnv([basicAuthConfig("x-access-token", token)]);

  it("clones with an installation token, refuses private clones without one", async () => {
    const { cloneUrl } = await newRepo({ private: true });
    const token = sandbox.github.createInstallationToken();
    const dir = path.join(tmp, "clone-private");
    await git(["clone", "--quiet", cloneUrl, dir], { env: auth(token) });
    expect(await readFile(path.join(dir, "README.md"), "utf8")).toBe("# hello\n");

    await expect(git(["clone", "--quiet", cloneUrl, path.join(tmp, "anon")])).rejects.toThrow(/terminal prompts disabled|Authentication failed/);
    await expect(git(["ls-remote", cloneUrl], { env: auth("ghs_wrong") })).rejects.toThrow(/403/);
    const refused = sandbox.github.requests.filter((r) => r.path.startsWith(new URL(cloneUrl).pathname) && r.status === 401);
    expect(refused.length).toBeGreaterThan(0);
  });

  it("lets anyone clone a public repository but only token holders push", async () => {
    const { fullName, cloneUrl } = await newRepo();
    await git(["ls-remote", cloneUrl]);
    const dir = path.join(tmp, "clone-public");
    await git(["clone", "--quiet", cloneUrl, dir]);
    await expect(git(["push", "--quiet", cloneUrl, "HEAD:refs/heads/x"], { cwd: dir })).rejects.toThrow();
    const pushed = await sandbox.github.commitAndPush(fullName, { branch: "main", files: { "b.txt": "b" }, tag: "v1" });
    const refs = await sandbox.github.refs(fullName);
    expect(refs.get("refs/heads/main")).toBe(pushed.after);
    expect(refs.get("refs/tags/v1")).toBe(pushed.after);
    expect(refs.has("refs/heads/x")).toBe(false);
  });

  it("force-pushes, deletes branches and tags through commitAndPush", async () => {
    const { fullName } = await newRepo();
    const first = await sandbox.github.commitAndPush(fullName, { branch: "topic", files: { "t.txt": "1" } });
    expect(first.before).toBe(ZERO_SHA);
    const second = await sandbox.github.commitAndPush(fullName, { branch: "topic", files: { "t.txt": "2" } });
    expect(second.before).toBe(first.after);
    const rewritten = await sandbox.github.commitAndPush(fullName, { branch: "topic", files: { "t.txt": "3" }, force: true });
    expect(rewritten.before).toBe(second.after);
    const parent = (await git(["rev-parse", `${rewritten.after}^`], { cwd: sandbox.github.work(fullName).gitDir })).trim();
    expect(parent).toBe(first.after);
    const mainTip = (await sandbox.github.refs(fullName)).get("refs/heads/main");
    const branched = await sandbox.github.commitAndPush(fullName, { branch: "from-main", from: "main" });
    expect(branched).toMatchObject({ before: ZERO_SHA, after: mainTip, commits: [] });
    expect((await sandbox.github.refs(fullName)).get("refs/heads/from-main")).toBe(mainTip);
    const deleted = await sandbox.github.commitAndPush(fullName, { branch: "topic", deleteBranch: true });
    expect(deleted).toMatchObject({ before: rewritten.after, after: ZERO_SHA });
    expect((await sandbox.github.refs(fullName)).has("refs/heads/topic")).toBe(false);
  });
});

describe("webhooks", () => {
  const require = createRequire(import.meta.url);
  const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, any>> }>;
  const pushExample = examples.find((e) => e.name === "push")!.examples.find((e) => "installation" in e && e.ref.startsWith("refs/heads/"))!;

  it("builds push payloads from the webhooks example, with the repository GitHub's API returns", async () => {
    const { fullName, id } = await newRepo();
    const pushed = await sandbox.github.commitAndPush(fullName, { branch: "main", files: { "new.txt": "n", "README.md": "changed" }, message: "Add new.txt\n\nbody" });
    const payload = sandbox.github.pushEvent(fullName, { ref: "refs/heads/main", before: pushed.before, after: pushed.after }) as Record<string, any>;

    for (const key of Object.keys(pushExample)) expect(payload).toHaveProperty(key);
    for (const key of Object.keys(pushExample.repository)) expect(payload.repository).toHaveProperty(key);
    expect(payload).toMatchObject({
      ref: "refs/heads/main",
      before: pushed.before,
      after: pushed.after,
      created: false,
      deleted: false,
      forced: false,
      installation: { id: sandbox.github.installationId },
      repository: { id, full_name: fullName, clone_url: sandbox.github.cloneUrl(fullName), default_branch: "main" },
      head_commit: { id: pushed.after, message: "Add new.txt\n\nbody", added: ["new.txt"], modified: ["README.md"], removed: [] },
    });
    expect(payload.commits).toHaveLength(1);
    expect(typeof payload.repository.created_at).toBe("number");
    const rest = sandbox.github.repository(fullName);
    expect(payload.repository.html_url).toBe(rest.html_url);

    // A PushResult can be passed as is: its `commits` are shas, filled in from what the sandbox made.
    expect(sandbox.github.pushEvent(fullName, pushed)).toMatchObject({ commits: [{ id: pushed.after, added: ["new.txt"] }] });

    const created = sandbox.github.pushEvent(fullName, { ref: "refs/tags/v1", before: ZERO_SHA, after: pushed.after, commits: [] }) as Record<string, any>;
    expect(created).toMatchObject({ created: true, deleted: false, commits: [] });
    const deleted = sandbox.github.pushEvent(fullName, { ref: "refs/heads/old", before: pushed.after, after: ZERO_SHA }) as Record<string, any>;
    expect(deleted).toMatchObject({ deleted: true, head_commit: null, commits: [] });
  });

  it("delivers signed webhooks that @octokit/webhooks verifies", async () => {
    const capture = await startCaptureServer();
    try {
      const { fullName } = await newRepo();
      const after = (await sandbox.github.refs(fullName)).get("refs/heads/main")!;
      const payload = sandbox.github.pushEvent(fullName, { ref: "refs/heads/main", before: ZERO_SHA, after });
      const result = await sandbox.github.deliver(`${capture.url}/api/github/webhooks`, "push", payload, { deliveryId: "d-1" });
      expect(result).toMatchObject({ status: 202, body: "ok" });
      const [received] = capture.received;
      expect(received!.headers).toMatchObject({ "x-github-event": "push", "x-github-delivery": "d-1", "content-type": "application/json" });
      expect(await verify(sandbox.webhookSecret, received!.body, String(received!.headers["x-hub-signature-256"]))).toBe(true);
      expect(await verify("wrong", received!.body, String(received!.headers["x-hub-signature-256"]))).toBe(false);
    } finally {
      await capture.close();
    }
  });

  it("announces git pushes as signed push webhooks once pushWebhookUrl is set", async () => {
    const capture = await startCaptureServer();
    try {
      const { fullName } = await newRepo();
      sandbox.github.pushWebhookUrl = capture.url;
      const first = await sandbox.github.commitAndPush(fullName, { branch: "main", files: { "n.txt": "n" }, message: "Add n", tag: "v1" });
      const forced = await sandbox.github.commitAndPush(fullName, { branch: "main", files: { "n.txt": "rewritten" }, force: true });
      await sandbox.github.settled();
      const payloads = capture.received.map((r) => JSON.parse(r.body) as Record<string, any>);
      expect(payloads.map((p) => [p.ref, p.before, p.after])).toEqual([
        ["refs/heads/main", first.before, first.after],
        ["refs/tags/v1", ZERO_SHA, first.after],
        ["refs/heads/main", first.after, forced.after],
      ]);
      expect(payloads[0]).toMatchObject({ forced: false, commits: [{ id: first.after, message: "Add n", added: ["n.txt"] }], head_commit: { id: first.after } });
      expect(payloads[1]).toMatchObject({ created: true, commits: [] });
      // The amended commit replaces "Add n", so against its parent n.txt is new again.
      expect(payloads[2]).toMatchObject({ forced: true, commits: [{ id: forced.after, added: ["n.txt"] }] });
      for (const r of capture.received) expect(await verify(sandbox.webhookSecret, r.body, String(r.headers["x-hub-signature-256"]))).toBe(true);
      expect(sandbox.github.webhookDeliveries.map((d) => d.status)).toEqual([202, 202, 202]);
    } finally {
      sandbox.github.pushWebhookUrl = undefined;
      await capture.close();
    }
  });

  it("builds check_run payloads for a stored run, including requested actions", async () => {
    const { fullName } = await newRepo();
    const [owner, repo] = fullName.split("/") as [string, string];
    const sha = (await sandbox.github.refs(fullName)).get("refs/heads/main")!;
    const { data: run } = await appOctokit().rest.checks.create({ owner, repo, name: "mirror", head_sha: sha, conclusion: "failure", output: { title: "t", summary: "s" } });
    const payload = sandbox.github.checkRunEvent(fullName, "requested_action", run.id, "retry") as Record<string, any>;
    expect(payload).toMatchObject({
      action: "requested_action",
      requested_action: { identifier: "retry" },
      check_run: { id: run.id, head_sha: sha, name: "mirror", app: { id: sandbox.appId }, check_suite: { head_sha: sha } },
      installation: { id: sandbox.github.installationId },
      repository: { full_name: fullName },
    });
    const rerequested = sandbox.github.checkRunEvent(fullName, "rerequested", run.id) as Record<string, any>;
    expect(rerequested.action).toBe("rerequested");
    expect(rerequested).not.toHaveProperty("requested_action");
  });
});

describe("commit statuses and other apps' check runs", () => {
  it("takes a CI's statuses, lists the newest per context as GitHub's combined status, refuses what GitHub refuses, and builds status events", async () => {
    const { fullName } = await newRepo();
    const [owner, repo] = fullName.split("/") as [string, string];
    const sha = (await sandbox.github.refs(fullName)).get("refs/heads/main")!;
    const developer = new Octokit({ log: quiet, baseUrl: sandbox.github.apiUrl, auth: sandbox.github.userToken });
    await developer.rest.repos.createCommitStatus({ owner, repo, sha, state: "pending", context: "ci/a" });
    const { data: created } = await developer.rest.repos.createCommitStatus({
      owner,
      repo,
      sha,
      state: "failure",
      context: "ci/a",
      description: "red",
      target_url: "https://ci.test/1",
    });
    await developer.rest.repos.createCommitStatus({ owner, repo, sha, state: "success" });
    expect(created).toMatchObject({ state: "failure", context: "ci/a", description: "red", target_url: "https://ci.test/1", creator: { login: "sandbox-developer" } });

    const { data: combined } = await appOctokit().rest.repos.getCombinedStatusForRef({ owner, repo, ref: "main" });
    expect(combined).toMatchObject({
      state: "failure",
      sha,
      total_count: 2,
      statuses: [
        { context: "default", state: "success" },
        { context: "ci/a", state: "failure", id: created.id },
      ],
    });
    const { data: all } = await appOctokit().rest.repos.listCommitStatusesForRef({ owner, repo, ref: sha });
    expect(all.map((s) => s.state)).toEqual(["success", "failure", "pending"]);

    await expect(developer.rest.repos.createCommitStatus({ owner, repo, sha, state: "green" as never })).rejects.toMatchObject({ status: 422 });
    await expect(developer.rest.repos.createCommitStatus({ owner, repo, sha: "0123456789abcdef0123456789abcdef01234567", state: "success" })).rejects.toMatchObject({
      status: 422,
      response: { data: { message: "No commit found for SHA: 0123456789abcdef0123456789abcdef01234567" } },
    });
    // The app asks for statuses: read only.
    await expect(appOctokit().rest.repos.createCommitStatus({ owner, repo, sha, state: "success" })).rejects.toMatchObject({ status: 403 });

    const event = (await sandbox.github.statusEvent(fullName, created.id)) as Record<string, any>;
    expect(event).toMatchObject({
      id: created.id,
      sha,
      name: fullName,
      state: "failure",
      context: "ci/a",
      target_url: "https://ci.test/1",
      commit: { sha },
      branches: [{ name: "main", commit: { sha } }],
      repository: { full_name: fullName },
      installation: { id: sandbox.github.installationId },
    });
  });

  it("makes check runs of another app (GitHub Actions) whose events name that app", async () => {
    const { fullName } = await newRepo();
    const sha = (await sandbox.github.refs(fullName)).get("refs/heads/main")!;
    const run = await sandbox.github.createForeignCheckRun(fullName, { name: "build", head_sha: sha, status: "in_progress" });
    sandbox.github.updateForeignCheckRun(run.id, { conclusion: "success" });
    const payload = sandbox.github.checkRunEvent(fullName, "completed", run.id) as Record<string, any>;
    expect(payload.check_run).toMatchObject({
      id: run.id,
      status: "completed",
      conclusion: "success",
      app: { id: 15368, slug: "github-actions" },
      html_url: `${sandbox.github.url}/${fullName}/runs/${run.id}`,
    });
    await expect(sandbox.github.createForeignCheckRun(fullName, { name: "x", head_sha: sha, conclusion: "green" })).rejects.toMatchObject({ status: 422 });
  });
});

describe("fault injection and the request log", () => {
  it("fails the next matching requests, then recovers", async () => {
    const { fullName } = await newRepo();
    const [owner, repo] = fullName.split("/") as [string, string];
    const octokit = appOctokit();
    await octokit.rest.repos.get({ owner, repo }); // token issued before the faults
    sandbox.github.failNext({ method: "GET", path: /\/repos\/octo\/repo-\d+$/, status: 500, count: 2 });
    await expect(octokit.rest.repos.get({ owner, repo })).rejects.toMatchObject({ status: 500 });
    await expect(octokit.rest.repos.get({ owner, repo })).rejects.toMatchObject({ status: 500 });
    await expect(octokit.rest.repos.get({ owner, repo })).resolves.toMatchObject({ status: 200 });

    sandbox.github.failNext({ path: /check-runs/, status: 403, headers: { "x-ratelimit-remaining": "0" }, body: { message: "API rate limit exceeded" } });
    const error = await octokit.rest.checks.listForRef({ owner, repo, ref: "main" }).catch((e: { status: number; response: { headers: Record<string, string> } }) => e);
    expect(error).toMatchObject({ status: 403, response: { headers: { "x-ratelimit-remaining": "0" } } });
  });

  it("logs every request with headers and body", async () => {
    sandbox.github.resetRequests();
    const { fullName } = await newRepo();
    const [owner, repo] = fullName.split("/") as [string, string];
    const octokit = new Octokit({ log: quiet, baseUrl: sandbox.github.apiUrl, auth: sandbox.github.userToken });
    await octokit.rest.issues.create({ owner, repo, title: "logged" });
    const logged = sandbox.github.requests.find((r) => r.method === "POST");
    expect(logged).toMatchObject({ path: `/api/v3/repos/${fullName}/issues`, status: 201, headers: { authorization: `token ${sandbox.github.userToken}` } });
    expect(JSON.parse(logged!.body)).toEqual({ title: "logged" });
  });
});

describe("seeding history for benchmarks", () => {
  it("points the branch at a realistic history with the repository's files on top, shared between repositories", async () => {
    const seed = async (name: string) => {
      const { fullName, bareDir } = await sandbox.github.createRepo({ owner: "octo", name });
      const tip = await sandbox.github.seedHistory(fullName, { commits: 300, files: { ".mirror.yml": `mirrors:\n  - gitlab: group/${name}\n` } });
      return { fullName, bareDir, tip };
    };
    const first = await seed("seeded-1");
    const second = await seed("seeded-2");
    expect((await sandbox.github.refs(first.fullName)).get("refs/heads/main")).toBe(first.tip);
    expect((await git(["rev-list", "--count", first.tip], { cwd: first.bareDir })).trim()).toBe("301");
    expect(await git(["show", `${first.tip}:.mirror.yml`], { cwd: first.bareDir })).toBe("mirrors:\n  - gitlab: group/seeded-1\n");
    // A project's worth of files under the configuration commit.
    const files = (await git(["ls-tree", "-r", "--name-only", first.tip], { cwd: first.bareDir })).trim().split("\n");
    expect(files.length).toBe(301);
    // The same history under both repositories' own commits, and it is served: a clone gets it all.
    const history = (await git(["rev-parse", `${first.tip}^`], { cwd: first.bareDir })).trim();
    expect((await git(["rev-parse", `${second.tip}^`], { cwd: second.bareDir })).trim()).toBe(history);
    const clone = path.join(tmp, "seeded-clone.git");
    await git(["clone", "--bare", "--quiet", sandbox.github.cloneUrl(second.fullName), clone], { env: configEnv([basicAuthConfig("x", sandbox.github.userToken)]) });
    expect((await git(["rev-list", "--count", second.tip], { cwd: clone })).trim()).toBe("301");
  });
});

describe("installation events and membership", () => {
  it("builds installation and installation_repositories payloads with the example's keys and sandbox values", async () => {
    const { fullName } = await newRepo();
    const require = createRequire(import.meta.url);
    const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, unknown>> }>;
    const keysOf = (name: string, action: string) => Object.keys(examples.find((e) => e.name === name)!.examples.find((x) => x.action === action)!).sort();

    const created = sandbox.github.installationEvent("created");
    expect(
      Object.keys(created)
        .filter((k) => k !== "requester")
        .sort(),
    ).toEqual(keysOf("installation", "created").filter((k) => k !== "requester"));
    expect((created.installation as { id: number }).id).toBe(sandbox.github.installationId);
    expect((created.repositories as Array<{ full_name: string }>).map((r) => r.full_name)).toContain(fullName);

    const added = sandbox.github.installationRepositoriesEvent("added", [fullName]);
    expect(
      Object.keys(added)
        .filter((k) => k !== "requester")
        .sort(),
    ).toEqual(keysOf("installation_repositories", "added").filter((k) => k !== "requester"));
    expect(added).toMatchObject({ action: "added", repositories_added: [{ full_name: fullName }], repositories_removed: [] });
  });

  it("a repository removed from the installation is invisible to its tokens, API and git, until added back", async () => {
    const { fullName } = await newRepo({ private: true });
    const [owner, repo] = fullName.split("/") as [string, string];
    const octokit = appOctokit();
    sandbox.github.removeFromInstallation(fullName);
    await expect(octokit.rest.repos.get({ owner, repo })).rejects.toMatchObject({ status: 404 });
    const listed = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, { per_page: 100 });
    expect(listed.map((r) => r.full_name)).not.toContain(fullName);
    const auth = { env: configEnv([basicAuthConfig("x-access-token", sandbox.github.createInstallationToken())]) };
    await expect(git(["ls-remote", sandbox.github.cloneUrl(fullName)], auth)).rejects.toThrow();

    sandbox.github.addToInstallation(fullName);
    expect((await octokit.rest.repos.get({ owner, repo })).data.full_name).toBe(fullName);
    await expect(git(["ls-remote", sandbox.github.cloneUrl(fullName)], auth)).resolves.toBeDefined();
  });
});
