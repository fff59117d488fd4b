/**
 * A warm repository's push goes to GitLab without an API round trip, and what the caches hold is
 * dropped when it changes: the real app process, the sandbox's fakes, signed webhooks. What
 * counts is read from the fakes' request logs, never from timings.
 */
import type { LoggedRequest } from "../../sandbox/index.js";
import { startE2E, type E2E } from "../helpers/e2e.js";

const MIRROR = (project: string) => `GitLab mirror (${project})`;
let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
});

afterAll(async () => {
  await e2e?.stop();
});

/** A repository mirrored once, so its config, project and token are cached. */
async function warmPair(options: Parameters<E2E["linkedPair"]>[0] = {}) {
  const pair = await e2e.linkedPair(options);
  const push = await e2e.sandbox.github.commitAndPush(pair.repo, { branch: "main", files: { "warm.txt": "warm\n" } });
  await e2e.deliverPush(pair.repo, push);
  await e2e.waitForGitLabRef(pair.project, "refs/heads/main", push.after);
  await e2e.quiet();
  return pair;
}

const isApi = (r: LoggedRequest) => r.path.startsWith("/api/v3/") || r.path.startsWith("/api/v4/");

describe("a warm repository", () => {
  it("is mirrored with no GitHub or GitLab API request, and no listing of GitLab's refs, between the webhook and the push to GitLab", async () => {
    const { repo, project } = await warmPair();
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "hot.txt": "hot\n" } });
    const [github, gitlab] = [e2e.sandbox.github.requests.length, e2e.sandbox.gitlab.requests.length];
    await e2e.deliverPush(repo, push);
    await e2e.waitForGitLabRef(project, "refs/heads/main", push.after);

    const gitlabSince = e2e.sandbox.gitlab.requests.slice(gitlab);
    const pushed = gitlabSince.find((r) => r.method === "POST" && r.path === `/${project}.git/git-receive-pack`);
    expect(pushed).toBeDefined();
    const beforePush = [...e2e.sandbox.github.requests.slice(github), ...gitlabSince].filter((r) => r.at <= pushed!.at && isApi(r));
    // The one write allowed before the push: a sync still running after 2 s shows its check run in
    // progress (deferred-check-run.ts), which a loaded machine may reach. No read, no other write.
    const inProgress = (r: LoggedRequest) => r.method === "POST" && r.path.endsWith("/check-runs") && JSON.parse(r.body).status === "in_progress";
    expect(beforePush.filter((r) => !inProgress(r)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    // GitLab's refs are planned from as the last sync left them (the push's leases guard them).
    const listings = gitlabSince.filter((r) => r.at <= pushed!.at && r.path.includes("git-upload-pack"));
    expect(listings.map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect((await e2e.waitForCheck(repo, push.after, MIRROR(project))).conclusion).toBe("success");
  });
});

describe("what the caches hold is dropped when it changes", () => {
  it("a .mirror.yml changed on the default branch is used by that very push", async () => {
    const { repo } = await warmPair();
    const moved = `group/sub/next${Date.now().toString(36)}`;
    await e2e.sandbox.gitlab.createProject({ path: moved });
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { ".mirror.yml": `mirrors:\n  - gitlab: ${moved}\n` } });
    await e2e.deliverPush(repo, push);
    await e2e.waitForGitLabRef(moved, "refs/heads/main", push.after);
  });

  it("a removed .mirror.yml stops mirroring with that push", async () => {
    const { repo, project } = await warmPair();
    const before = (await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main");
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { ".mirror.yml": null } });
    await e2e.deliverPush(repo, push);
    await e2e.quiet();
    expect((await e2e.sandbox.gitlab.refs(project)).get("refs/heads/main")).toBe(before);
    expect(e2e.sandbox.github.checkRuns(repo).filter((r) => r.head_sha === push.after)).toEqual([]);
  });

  it("a project moved on GitLab receives the next push at its new path", async () => {
    const { repo, project } = await warmPair();
    const movedTo = `group/moved/m${Date.now().toString(36)}`;
    await e2e.sandbox.gitlab.moveProject(project, movedTo);
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "after-move.txt": "x\n" } });
    await e2e.deliverPush(repo, push);
    await e2e.waitForGitLabRef(movedTo, "refs/heads/main", push.after);
    expect((await e2e.waitForCheck(repo, push.after, MIRROR(project))).conclusion).toBe("success");
  });

  it("a project deleted on GitLab is created again (create: true) and mirrored to by the next push", async () => {
    const { repo, project } = await warmPair({ mirrorYml: (p) => `mirrors:\n  - gitlab: ${p}\n    create: true\n` });
    await e2e.sandbox.gitlab.deleteProject(project);
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "after-delete.txt": "x\n" } });
    await e2e.deliverPush(repo, push);
    await e2e.waitForGitLabRef(project, "refs/heads/main", push.after);
    expect((await e2e.waitForCheck(repo, push.after, MIRROR(project))).conclusion).toBe("success");
  });

  it("an installation token GitHub revoked is renewed, and the push is mirrored", async () => {
    const { repo, project } = await warmPair();
    const issued = e2e.sandbox.github.issuedTokens.length;
    e2e.sandbox.github.expireInstallationTokens();
    const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "after-revoke.txt": "x\n" } });
    await e2e.deliverPush(repo, push);
    await e2e.waitForGitLabRef(project, "refs/heads/main", push.after);
    expect((await e2e.waitForCheck(repo, push.after, MIRROR(project))).conclusion).toBe("success");
    expect(e2e.sandbox.github.issuedTokens.length).toBeGreaterThan(issued);
  });
});
