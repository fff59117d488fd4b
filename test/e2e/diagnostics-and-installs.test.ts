/**
 * Diagnostics and installation events, end to end against the sandbox with the real app process:
 * the GitLab token (revoked, about to expire, missing a scope; each app started with its own
 * token) and installation events (first sync of added repositories, removal drops the cache and
 * stops the git work).
 */
import { access, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { startApp, waitFor, type AppProcess } from "../../sandbox/index.js";
import type { AppEnv } from "../../src/env.js";
import { cacheDirFor } from "../../src/worker/deps.js";
import { startE2E, type E2E } from "../helpers/e2e.js";

const MIRROR = (project: string) => `GitLab mirror (${project})`;
let e2e: E2E;
const extraApps: AppProcess[] = [];

beforeAll(async () => {
  e2e = await startE2E({ LOG_LEVEL: "debug" });
});

afterAll(async () => {
  for (const app of extraApps) await app.stop();
  await e2e?.stop();
});

afterEach(() => {
  expect(e2e.sandbox.github.errors).toEqual([]);
  expect(e2e.sandbox.gitlab.errors).toEqual([]);
});

/** Another app process on the same sandbox, whose GITLAB_TOKEN is `token`. */
async function appWithToken(token: string): Promise<AppProcess> {
  const cache = await mkdtemp(path.join(os.tmpdir(), "mirror-bot-token-cache-"));
  const port = await e2e.sandbox.freePort();
  const app = await startApp(e2e.sandbox.appEnv({ GITLAB_TOKEN: token, PORT: String(port), MIRROR_CACHE_DIR: cache, MIRROR_RETRY_BASE_MS: "50" }));
  extraApps.push(app);
  return app;
}

async function pushTo(app: AppProcess, repo: string, files: Record<string, string>) {
  const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files });
  await e2e.sandbox.github.deliver(app.webhookUrl, "push", e2e.sandbox.github.pushEvent(repo, push), { deliveryId: randomUUID() });
  return push;
}

const dateInDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe("GitLab token diagnostics", () => {
  it("says plainly that a revoked token is expired, revoked or wrong, and how to renew it", async () => {
    const token = `glpat-revoked-${randomUUID()}`;
    e2e.sandbox.gitlab.addToken(token, { scopes: ["api"] });
    const app = await appWithToken(token);
    const { repo, project } = await e2e.linkedPair();
    e2e.sandbox.gitlab.revokeToken(token);

    const push = await pushTo(app, repo, { "a.txt": "1" });
    const check = await e2e.waitForCheck(repo, push.after, MIRROR(project));
    expect(check.conclusion).toBe("failure");
    expect(check.output.title).toBe(`GitLab at ${e2e.sandbox.gitlab.url} rejected mirror-bot's token (401)`);
    expect(check.output.summary).toContain("token is expired, revoked or wrong");
    expect(check.output.summary).toContain("**Settings → Access tokens**");
    expect(check.output.summary).toContain("`GITLAB_TOKEN`");
    expect(JSON.stringify(check.output)).not.toContain(token);
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBeUndefined();
  });

  it("warns in a successful check run when the token expires within 7 days", async () => {
    const token = `glpat-expiring-${randomUUID()}`;
    const expiresAt = dateInDays(3);
    e2e.sandbox.gitlab.addToken(token, { scopes: ["api"], expiresAt });
    const app = await appWithToken(token);
    const { repo, project } = await e2e.linkedPair();

    const push = await pushTo(app, repo, { "a.txt": "1" });
    await e2e.waitForGitLabRef(project, "refs/heads/main", push.after);
    const check = await e2e.waitForCheck(repo, push.after, MIRROR(project));
    expect(check.conclusion).toBe("success");
    expect(check.output.summary).toContain("### Pre-flight checks");
    expect(check.output.summary).toContain(`mirror-bot's GitLab token expires on ${expiresAt} (in 3 days)`);
    expect(check.output.summary).toContain("set `GITLAB_TOKEN`");
  });

  it("names the scope a token lacks when it cannot push", async () => {
    const token = `glpat-readonly-${randomUUID()}`;
    e2e.sandbox.gitlab.addToken(token, { scopes: ["read_api", "read_repository"] });
    const app = await appWithToken(token);
    const { repo, project } = await e2e.linkedPair();

    const push = await pushTo(app, repo, { "a.txt": "1" });
    const check = await e2e.waitForCheck(repo, push.after, MIRROR(project));
    expect(check.conclusion).toBe("failure");
    expect(check.output.summary).toContain("mirror-bot's GitLab token lacks the `write_repository` scope");
    expect(check.output.summary).not.toContain("lacks the `api` scope");
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBeUndefined();
  });
});

describe("installation events", () => {
  const cacheOf = (repo: string) => {
    const [owner, name] = repo.split("/") as [string, string];
    return cacheDirFor({ cacheDir: e2e.sandbox.appEnv().MIRROR_CACHE_DIR } as AppEnv, { owner, repo: name });
  };
  const exists = (dir: string) =>
    access(dir).then(
      () => true,
      () => false,
    );

  it("syncs repositories added to the installation at once, if they have a config", async () => {
    const { repo, project } = await e2e.linkedPair();
    const commit = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "a.txt": "1" } });
    await e2e.sandbox.github.commitAndPush(repo, { branch: "topic", files: { "t.txt": "t" } });
    const { fullName: plain } = await e2e.sandbox.github.createRepo({ owner: "octo", name: `plain-${Date.now().toString(36)}`, files: { "README.md": "x" } });
    e2e.sandbox.github.resetRequests();

    const event = e2e.sandbox.github.installationRepositoriesEvent("added", [repo, plain]);
    expect((await e2e.sandbox.github.deliver(e2e.app.webhookUrl, "installation_repositories", event)).status).toBe(200);

    await waitFor(async () => JSON.stringify([...(await e2e.sandbox.github.refs(repo))].sort()) === JSON.stringify([...(await e2e.sandbox.gitlab.refs(project))].sort()), {
      timeoutMs: 20_000,
      what: "GitLab equal to GitHub after the first sync",
    });
    const check = await e2e.waitForCheck(repo, commit.after, MIRROR(project));
    expect(check.conclusion).toBe("success");
    expect(e2e.sandbox.github.checkRuns(plain)).toEqual([]);
    expect(e2e.sandbox.github.requests.filter((r) => r.path.includes(`/${plain}.git/`))).toEqual([]);
  });

  it("syncs every configured repository of a new installation", async () => {
    const { repo, project } = await e2e.linkedPair();
    const commit = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "a.txt": "1" } });

    const event = e2e.sandbox.github.installationEvent("created");
    expect((event.repositories as Array<{ full_name: string }>).map((r) => r.full_name)).toContain(repo);
    expect((await e2e.sandbox.github.deliver(e2e.app.webhookUrl, "installation", event)).status).toBe(200);

    await e2e.waitForGitLabRef(project, "refs/heads/main", commit.after);
    expect((await e2e.waitForCheck(repo, commit.after, MIRROR(project))).conclusion).toBe("success");
  });

  it("a removed repository loses its cache and gets no more git work", async () => {
    const { repo, project } = await e2e.linkedPair();
    const first = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "a.txt": "1" } });
    await e2e.deliverPush(repo, first);
    await e2e.waitForGitLabRef(project, "refs/heads/main", first.after);
    const cache = cacheOf(repo);
    expect(await exists(cache)).toBe(true);

    e2e.sandbox.github.removeFromInstallation(repo);
    const removed = e2e.sandbox.github.installationRepositoriesEvent("removed", [repo]);
    expect((await e2e.sandbox.github.deliver(e2e.app.webhookUrl, "installation_repositories", removed)).status).toBe(200);
    await waitFor(async () => !(await exists(cache)), { timeoutMs: 20_000, what: `cache ${cache} deleted` });

    // A late push delivery for it: the app can no longer read the repository, so no git runs.
    const late = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "a.txt": "2" } });
    e2e.sandbox.github.resetRequests();
    const pushes = e2e.sandbox.gitlab.pushCount(project);
    const deliveryId = randomUUID();
    await e2e.deliverPush(repo, late, deliveryId);
    await e2e.app.waitForLog((line) => line.includes(deliveryId) && /nothing to do|mirror job failed/.test(line), 20_000);
    expect(e2e.sandbox.github.requests.filter((r) => r.path.includes(`/${repo}.git/`))).toEqual([]);
    expect(e2e.sandbox.gitlab.pushCount(project)).toBe(pushes);
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(first.after);
    expect(await exists(cache)).toBe(false);
    expect(e2e.sandbox.github.checkRuns(repo).filter((r) => r.head_sha === late.after)).toEqual([]);
  });

  it("uninstalling drops the cache of every repository", async () => {
    const { repo, project } = await e2e.linkedPair();
    const first = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "a.txt": "1" } });
    await e2e.deliverPush(repo, first);
    await e2e.waitForGitLabRef(project, "refs/heads/main", first.after);
    const cache = cacheOf(repo);
    expect(await exists(cache)).toBe(true);

    const event = e2e.sandbox.github.installationEvent("deleted", [repo]);
    expect((await e2e.sandbox.github.deliver(e2e.app.webhookUrl, "installation", event)).status).toBe(200);
    await waitFor(async () => !(await exists(cache)), { timeoutMs: 20_000, what: `cache ${cache} deleted` });
  });
});
