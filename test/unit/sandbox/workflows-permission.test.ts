/**
 * The fake GitHub refuses, as GitHub does, an installation token's push that creates or updates
 * `.github/workflows/*` unless the installation has `workflows: write`, with GitHub's own message.
 */
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { basicAuthConfig, configEnv, git, GitCommandError } from "../../../sandbox/git.js";
import { startSandbox, type Sandbox } from "../../../sandbox/index.js";

let sandbox: Sandbox;
let tmp: string;
let counter = 0;

beforeAll(async () => {
  sandbox = await startSandbox();
  tmp = await mkdtemp(path.join(os.tmpdir(), "fake-github-workflows-"));
});

afterAll(async () => {
  await sandbox.close();
  await rm(tmp, { recursive: true, force: true });
});

afterEach(() => {
  sandbox.github.setInstallationPermissions({ workflows: null });
  expect(sandbox.github.errors).toEqual([]);
});

const auth = (token: string) => ({ env: configEnv([basicAuthConfig("x-access-token", token)]) });

/** A repository and a clone of it with one new commit per branch: `ci` changes a workflow, `docs` does not. */
async function cloneWithChanges() {
  const { fullName, cloneUrl } = await sandbox.github.createRepo({
    owner: "octo",
    name: `wf-${++counter}`,
    files: { "README.md": "# hi\n", ".github/workflows/old.yml": "on: push\n" },
  });
  const dir = path.join(tmp, `clone-${counter}`);
  const env = { ...configEnv([]), GIT_AUTHOR_NAME: "a", GIT_AUTHOR_EMAIL: "a@a", GIT_COMMITTER_NAME: "a", GIT_COMMITTER_EMAIL: "a@a" };
  await git(["clone", "--quiet", cloneUrl, dir]);
  const commit = async (branch: string, file: string) => {
    await git(["checkout", "--quiet", "-B", branch, "origin/main"], { cwd: dir, env });
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeAndCommit(dir, file, env);
  };
  await commit("ci", ".github/workflows/ci.yml");
  await commit("docs", "docs/guide.md");
  return { fullName, cloneUrl, dir };
}

async function writeAndCommit(dir: string, file: string, env: Record<string, string>) {
  await writeFile(path.join(dir, file), `${file} ${++counter}\n`);
  await git(["add", file], { cwd: dir, env });
  await git(["commit", "--quiet", "-m", `change ${file}`], { cwd: dir, env });
}

async function pushError(dir: string, cloneUrl: string, token: string, refspecs: string[]): Promise<string> {
  const error = await git(["push", cloneUrl, ...refspecs], { cwd: dir, ...auth(token) }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitCommandError);
  const { stdout, stderr } = error as GitCommandError;
  return `${stdout}\n${stderr}`;
}

describe("workflows permission", () => {
  it("lists no workflows permission by default, in the installation and in its tokens", async () => {
    const octokit = new Octokit({ baseUrl: sandbox.github.apiUrl, authStrategy: createAppAuth, auth: { appId: sandbox.appId, privateKey: sandbox.privateKeyPem } });
    const { data } = await octokit.rest.apps.getInstallation({ installation_id: sandbox.github.installationId });
    expect(data.permissions).not.toHaveProperty("workflows");
    const token = await octokit.rest.apps.createInstallationAccessToken({ installation_id: sandbox.github.installationId });
    expect(token.data.permissions).toMatchObject({ contents: "write" });
    expect(token.data.permissions).not.toHaveProperty("workflows");

    sandbox.github.setInstallationPermissions({ workflows: "write" });
    expect((await octokit.rest.apps.getInstallation({ installation_id: sandbox.github.installationId })).data.permissions).toMatchObject({ workflows: "write" });
    const granted = await octokit.rest.apps.createInstallationAccessToken({ installation_id: sandbox.github.installationId });
    expect(granted.data.permissions).toMatchObject({ workflows: "write", contents: "write" });
  });

  it("refuses an installation token's push that adds a workflow, with GitHub's message, and accepts other pushes", async () => {
    const { fullName, cloneUrl, dir } = await cloneWithChanges();
    const token = sandbox.github.createInstallationToken();
    const output = await pushError(dir, cloneUrl, token, ["refs/heads/ci:refs/heads/ci"]);
    expect(output).toContain(
      "! [remote rejected] ci -> ci (refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission)",
    );
    expect((await sandbox.github.refs(fullName)).has("refs/heads/ci")).toBe(false);

    // An update of an existing branch is judged by its diff.
    await git(["push", "--quiet", cloneUrl, "refs/heads/docs:refs/heads/main"], { cwd: dir, ...auth(token) });
    const main = (await sandbox.github.refs(fullName)).get("refs/heads/main");
    expect(main).toBe((await git(["rev-parse", "refs/heads/docs"], { cwd: dir })).trim());
    const update = await pushError(dir, cloneUrl, token, ["+refs/heads/ci:refs/heads/main"]);
    expect(update).toContain("(refusing to allow a GitHub App to create or update workflow `.github/workflows/ci.yml` without `workflows` permission)");
    expect((await sandbox.github.refs(fullName)).get("refs/heads/main")).toBe(main);
  });

  it("lets the developer push workflows, and an app token once the installation has workflows: write; a removal applies to issued tokens", async () => {
    const { fullName, cloneUrl, dir } = await cloneWithChanges();
    const before = sandbox.github.createInstallationToken(); // issued without workflows: stays without
    sandbox.github.setInstallationPermissions({ workflows: "write" });
    await pushError(dir, cloneUrl, before, ["refs/heads/ci:refs/heads/ci"]);
    const granted = sandbox.github.createInstallationToken();
    await git(["push", "--quiet", cloneUrl, "refs/heads/ci:refs/heads/ci"], { cwd: dir, ...auth(granted) });
    expect((await sandbox.github.refs(fullName)).has("refs/heads/ci")).toBe(true);

    sandbox.github.setInstallationPermissions({ workflows: null });
    await git(["checkout", "--quiet", "ci"], { cwd: dir });
    await writeAndCommit(dir, ".github/workflows/ci.yml", { GIT_AUTHOR_NAME: "a", GIT_AUTHOR_EMAIL: "a@a", GIT_COMMITTER_NAME: "a", GIT_COMMITTER_EMAIL: "a@a" });
    const output = await pushError(dir, cloneUrl, granted, ["refs/heads/ci:refs/heads/ci"]);
    expect(output).toContain("without `workflows` permission)");
    // The developer (a user who may write workflows) is never refused.
    await git(["push", "--quiet", cloneUrl, "refs/heads/ci:refs/heads/ci"], { cwd: dir, ...auth(sandbox.github.userToken) });
    expect((await sandbox.github.refs(fullName)).get("refs/heads/ci")).toBe((await git(["rev-parse", "refs/heads/ci"], { cwd: dir })).trim());
  });
});
