/**
 * The fake GitLab answers like GitLab: proven with the real client (@gitbeaker/rest) and real
 * git over smart HTTP, with token scopes and protected branches enforced.
 */
import { Gitlab } from "@gitbeaker/rest";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { basicAuthConfig, configEnv, git, ZERO_SHA } from "../../../sandbox/git.js";
import { startSandbox, type Sandbox } from "../../../sandbox/index.js";
import { startCaptureServer } from "./capture-server.js";

let sandbox: Sandbox;
let tmp: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  tmp = await mkdtemp(path.join(os.tmpdir(), "fake-gitlab-test-"));
});

afterAll(async () => {
  await sandbox.close();
  await rm(tmp, { recursive: true, force: true });
});

afterEach(() => {
  sandbox.gitlab.clearFaults();
  expect(sandbox.gitlab.errors).toEqual([]);
  expect(sandbox.gitlab.unmatchedRequests).toEqual([]);
});

const client = (token = sandbox.gitlabToken) => new Gitlab({ host: sandbox.gitlab.url, token });

/** gitbeaker puts the HTTP answer on `cause`. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; description: string }> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { response?: { status: number }; description?: string } }).cause;
    return { status: cause?.response?.status ?? -1, description: cause?.description ?? String(error) };
  }
  throw new Error("expected the request to fail");
}

let counter = 0;
async function newProject(visibility: "private" | "public" = "private") {
  return sandbox.gitlab.createProject({ path: `group/sub/project-${++counter}`, visibility });
}

/** A project with one commit on main, pushed with the default token. */
async function seededProject() {
  const project = await newProject();
  const pushed = await sandbox.gitlab.commitAndPush(project.path, { branch: "main", files: { "README.md": "hi\n" } });
  return { ...project, sha: pushed.after };
}

describe("projects API", () => {
  it("shows a project by URL-encoded path and by id, and 404s unknown ones", async () => {
    const project = await newProject();
    const api = client();
    const byPath = await api.Projects.show(project.path);
    expect(byPath).toMatchObject({
      id: project.id,
      path: project.path.split("/").pop(),
      path_with_namespace: project.path,
      namespace: { full_path: "group/sub", kind: "group" },
      default_branch: "main",
      visibility: "private",
      http_url_to_repo: `${sandbox.gitlab.url}/${project.path}.git`,
      web_url: `${sandbox.gitlab.url}/${project.path}`,
      empty_repo: true,
    });
    expect((await api.Projects.show(project.id)).path_with_namespace).toBe(project.path);
    expect(await failure(api.Projects.show("group/sub/nope"))).toEqual({ status: 404, description: "404 Project Not Found" });
  });

  it("answers 401 for bad or expired tokens and 403 insufficient_scope for read-only ones", async () => {
    const project = await newProject();
    expect(await failure(client("glpat-wrong").Projects.show(project.path))).toMatchObject({ status: 401, description: "401 Unauthorized" });

    sandbox.gitlab.addToken("expired-token", { scopes: ["api"], expiresAt: "2020-01-01" });
    expect(await failure(client("expired-token").Projects.show(project.path))).toMatchObject({ status: 401 });

    sandbox.gitlab.addToken("read-only", { scopes: ["read_api"] });
    await expect(client("read-only").Projects.show(project.path)).resolves.toMatchObject({ id: project.id });
    const denied = await failure(client("read-only").ProjectHooks.add(project.id, "http://127.0.0.1:1/hook"));
    expect(denied.status).toBe(403);
    expect(await client("read-only").PersonalAccessTokens.show()).toMatchObject({ scopes: ["read_api"], active: true, revoked: false });
  });

  it("creates projects in namespaces and shows groups", async () => {
    const api = client();
    const group = await api.Groups.show("group/sub");
    expect(group).toMatchObject({ full_path: "group/sub", path: "sub" });
    const namespace = await api.Namespaces.show("group/sub");
    const created = await api.Projects.create({ name: "Created Project", namespaceId: namespace.id as number, visibility: "internal" });
    expect(created).toMatchObject({ path: "created-project", path_with_namespace: "group/sub/created-project", visibility: "internal" });
    expect((await failure(api.Projects.create({ path: "created-project", namespaceId: namespace.id as number }))).status).toBe(400);
    expect((await failure(api.Groups.show("no/such/group"))).status).toBe(404);
  });
});

describe("hooks and statuses", () => {
  it("manages project hooks without ever returning their token", async () => {
    const project = await newProject();
    const api = client();
    const hook = await api.ProjectHooks.add(project.path, "http://127.0.0.1:9/hook", { token: "s3cret", pushEvents: true, tagPushEvents: true });
    expect(hook).toMatchObject({ url: "http://127.0.0.1:9/hook", push_events: true, tag_push_events: true, project_id: project.id });
    expect(JSON.stringify(await api.ProjectHooks.all(project.path))).not.toContain("s3cret");
    const edited = await api.ProjectHooks.edit(project.path, hook.id, "http://127.0.0.1:9/other", { tagPushEvents: false });
    expect(edited).toMatchObject({ url: "http://127.0.0.1:9/other", tag_push_events: false });
    expect(sandbox.gitlab.hooks(project.path)[0]!.token).toBe("s3cret");
    await api.ProjectHooks.remove(project.path, hook.id);
    expect(await api.ProjectHooks.all(project.path)).toEqual([]);
  });

  it("sets commit statuses with GitLab's transition rules", async () => {
    const { path: projectPath, sha } = await seededProject();
    const api = client();
    const running = await api.Commits.editStatus(projectPath, sha, "running", { name: "mirror", targetUrl: "http://127.0.0.1/check", description: "mirroring" });
    expect(running).toMatchObject({ sha, status: "running", name: "mirror", ref: "main", target_url: "http://127.0.0.1/check" });
    const again = await failure(api.Commits.editStatus(projectPath, sha, "running", { name: "mirror" }));
    expect(again).toEqual({ status: 400, description: expect.stringContaining("Cannot transition status via :run from :running") });
    const success = await api.Commits.editStatus(projectPath, sha, "success", { name: "mirror" });
    expect(success).toMatchObject({ id: running.id, status: "success", finished_at: expect.any(String) });
    expect(await api.Commits.allStatuses(projectPath, sha)).toEqual([expect.objectContaining({ status: "success", name: "mirror" })]);
    expect((await failure(api.Commits.editStatus(projectPath, "f".repeat(40), "pending"))).status).toBe(404);
  });
});

describe("git over smart HTTP", () => {
  const auth = (token: string) => configEnv([basicAuthConfig("oauth2", token)]);

  it("clones and pushes with a token; refuses anonymous and under-scoped access", async () => {
    const { path: projectPath, httpUrl, sha } = await seededProject();
    const dir = path.join(tmp, `clone-${projectPath.replace(/\//g, "-")}`);
    await git(["clone", "--quiet", httpUrl, dir], { env: auth(sandbox.gitlabToken) });
    expect((await git(["rev-parse", "HEAD"], { cwd: dir })).trim()).toBe(sha);

    await expect(git(["ls-remote", httpUrl])).rejects.toThrow(/terminal prompts disabled|Authentication failed/);
    sandbox.gitlab.addToken("git-read", { scopes: ["read_repository"] });
    await git(["ls-remote", httpUrl], { env: auth("git-read") });
    await expect(sandbox.gitlab.commitAndPush(projectPath, { branch: "main", files: { a: "a" }, token: "git-read" })).rejects.toThrow(/403/);
    sandbox.gitlab.addToken("api-read", { scopes: ["read_api"] });
    await expect(sandbox.gitlab.commitAndPush(projectPath, { branch: "main", files: { a: "a" }, token: "api-read" })).rejects.toThrow(/403/);
    sandbox.gitlab.addToken("git-write", { scopes: ["write_repository"] });
    await sandbox.gitlab.commitAndPush(projectPath, { branch: "main", files: { a: "a" }, token: "git-write" });
    // Refused pushes stop at the ref advertisement; only the seed and the last push POSTed a pack.
    expect(sandbox.gitlab.pushCount(projectPath)).toBe(2);
  });

  it("lets anyone clone a public project", async () => {
    const project = await newProject("public");
    await git(["ls-remote", project.httpUrl]);
    await expect((await client().Projects.show(project.path)).visibility).toBe("public");
  });

  it("rejects force pushes and deletions of protected branches with GitLab's messages", async () => {
    const { path: projectPath } = await seededProject();
    await sandbox.gitlab.commitAndPush(projectPath, { branch: "release/1", files: { r: "1" } });
    await sandbox.gitlab.protectBranch(projectPath, "main");
    await client().ProtectedBranches.protect(projectPath, "release/*");

    await expect(sandbox.gitlab.commitAndPush(projectPath, { branch: "main", files: { b: "b" }, force: true })).rejects.toThrow(
      "GitLab: You are not allowed to force push code to a protected branch on this project.",
    );
    await expect(sandbox.gitlab.commitAndPush(projectPath, { branch: "release/1", deleteBranch: true })).rejects.toThrow(
      "GitLab: You can only delete protected branches using the web interface.",
    );
    await expect(sandbox.gitlab.commitAndPush(projectPath, { branch: "main", files: { c: "c" } })).resolves.toMatchObject({ after: expect.any(String) });
    await sandbox.gitlab.unprotectBranch(projectPath, "main");
    await expect(sandbox.gitlab.commitAndPush(projectPath, { branch: "main", files: { d: "d" }, force: true })).resolves.toBeDefined();
    await sandbox.gitlab.commitAndPush(projectPath, { branch: "gone", files: { g: "g" } });
    await expect(sandbox.gitlab.commitAndPush(projectPath, { branch: "gone", deleteBranch: true })).resolves.toMatchObject({ after: ZERO_SHA });
    await expect(sandbox.gitlab.commitAndPush(projectPath, { branch: "main", deleteBranch: true })).rejects.toThrow("GitLab: The default branch of a project cannot be deleted.");
    expect(await client().ProtectedBranches.all(projectPath)).toEqual([expect.objectContaining({ name: "release/*", allow_force_push: false })]);
  });
});

describe("fault injection", () => {
  it("fails a git push with 500, then lets the next one through", async () => {
    const { path: projectPath } = await seededProject();
    const before = sandbox.gitlab.pushCount(projectPath);
    sandbox.gitlab.failNext({ method: "POST", path: /git-receive-pack$/, status: 500 });
    await expect(sandbox.gitlab.commitAndPush(projectPath, { branch: "main", files: { x: "1" } })).rejects.toThrow(/500/);
    const pushed = await sandbox.gitlab.commitAndPush(projectPath, { branch: "main", files: { x: "1" } });
    expect((await sandbox.gitlab.refs(projectPath)).get("refs/heads/main")).toBe(pushed.after);
    expect(sandbox.gitlab.pushCount(projectPath)).toBe(before + 2);
  });

  it("answers 429 with Retry-After, which gitbeaker retries", async () => {
    const project = await newProject();
    sandbox.gitlab.resetRequests();
    sandbox.gitlab.failNext({ method: "GET", path: /\/api\/v4\/projects\//, status: 429, headers: { "Retry-After": "1" } });
    await expect(client().Projects.show(project.id)).resolves.toMatchObject({ id: project.id });
    expect(sandbox.gitlab.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(sandbox.gitlab.requests[0]!.headers["private-token"]).toBe(sandbox.gitlabToken);
  });
});

describe("push hooks", () => {
  it("delivers Push Hook and Tag Push Hook to project hooks after a git push", async () => {
    const capture = await startCaptureServer(200);
    try {
      const { path: projectPath, sha, id } = await seededProject();
      await client().ProjectHooks.add(projectPath, `${capture.url}/gitlab`, { token: "hook-secret", pushEvents: true, tagPushEvents: true });
      const pushed = await sandbox.gitlab.commitAndPush(projectPath, { branch: "main", files: { "x.txt": "x" }, message: "Add x", tag: "v1" });
      await sandbox.gitlab.settled();
      const events = capture.received.map((r) => r.headers["x-gitlab-event"]).sort();
      expect(events).toEqual(["Push Hook", "Tag Push Hook"]);
      const push = capture.received.find((r) => r.headers["x-gitlab-event"] === "Push Hook")!;
      expect(push.headers).toMatchObject({ "x-gitlab-token": "hook-secret", "x-gitlab-event-uuid": expect.any(String) });
      expect(JSON.parse(push.body)).toMatchObject({
        object_kind: "push",
        ref: "refs/heads/main",
        before: sha,
        after: pushed.after,
        checkout_sha: pushed.after,
        project_id: id,
        project: { path_with_namespace: projectPath, git_http_url: `${sandbox.gitlab.url}/${projectPath}.git`, default_branch: "main", visibility_level: 0 },
        commits: [{ id: pushed.after, message: "Add x", title: "Add x", added: ["x.txt"] }],
        total_commits_count: 1,
      });
      expect(sandbox.gitlab.hookDeliveries.map((d) => d.status)).toEqual([200, 200]);
      // Each delivery records the X-Gitlab-Event-UUID it was sent with.
      expect(sandbox.gitlab.hookDeliveries.map((d) => d.eventUuid).sort()).toEqual(capture.received.map((r) => r.headers["x-gitlab-event-uuid"]).sort());
    } finally {
      await capture.close();
    }
  });

  it("builds and delivers GitLab push payloads by hand", async () => {
    const capture = await startCaptureServer(200);
    try {
      const { path: projectPath, sha } = await seededProject();
      const payload = sandbox.gitlab.gitlabPushEvent(projectPath, { ref: "refs/tags/v2", before: ZERO_SHA, after: sha });
      expect(payload).toMatchObject({ object_kind: "tag_push", checkout_sha: sha, total_commits_count: 0, project: { path_with_namespace: projectPath } });
      const result = await sandbox.gitlab.deliverGitLab(capture.url, "Tag Push Hook", payload);
      expect(result.status).toBe(200);
      expect(capture.received[0]!.headers).toMatchObject({ "x-gitlab-event": "Tag Push Hook", "x-gitlab-token": sandbox.gitlabWebhookSecret });
    } finally {
      await capture.close();
    }
  });
});
