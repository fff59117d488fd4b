import { MirrorError } from "../../../src/errors.js";
import { HookRegistrar } from "../../../src/gitlab/hooks.js";
import type { MirrorConfig } from "../../../src/config/schema.js";
import { MirrorIndex } from "../../../src/index/mirror-index.js";
import { renderGitLabStatus, renderPullReport, type PullReportInput } from "../../../src/report/render-pull-report.js";
import { BounceLog } from "../../../src/worker/bounces.js";

const notCalled = async (): Promise<never> => {
  throw new Error("this test must not delete hooks");
};

const project = { id: 42, pathWithNamespace: "group/proj", webUrl: "https://gitlab.example.com/group/proj" };
const settings = { publicUrl: "https://mirror.example.com", secret: "glwhs-secret-123" };

describe("HookRegistrar", () => {
  it("asks GitLab once per project and remembers success", async () => {
    const calls: unknown[] = [];
    const registrar = new HookRegistrar({ ensureProjectHook: async (...args) => (calls.push(args), "created"), removeProjectHooks: notCalled }, settings);
    const [a, b] = await Promise.all([registrar.ensure(project), registrar.ensure(project)]);
    expect([a, b]).toEqual([
      { ok: true, action: "created" },
      { ok: true, action: "created" },
    ]);
    expect(await registrar.ensure(project)).toEqual({ ok: true, action: "known" });
    expect(calls).toEqual([[42, { url: "https://mirror.example.com/api/gitlab/webhooks", token: "glwhs-secret-123", events: { push: true, pipelines: false } }]]);
  });

  it("asks again when a mirror needs pipeline events the hook was not registered with, and never drops events", async () => {
    const calls: unknown[] = [];
    const registrar = new HookRegistrar({ ensureProjectHook: async (_id, hook) => (calls.push(hook.events), "updated"), removeProjectHooks: notCalled }, settings);
    await registrar.ensure(project, { push: true, pipelines: false });
    await registrar.ensure(project, { push: false, pipelines: true });
    expect(await registrar.ensure(project, { push: true, pipelines: true })).toEqual({ ok: true, action: "known" });
    expect(calls).toEqual([
      { push: true, pipelines: false },
      { push: true, pipelines: true },
    ]);
  });

  it("marks a failure already answered as a repeat, even after trying again, until the hook is registered", async () => {
    let now = 0;
    let fail = true;
    const registrar = new HookRegistrar(
      {
        ensureProjectHook: async () => {
          if (fail) throw new MirrorError("gitlab_forbidden", "GitLab refused mirror-bot access to the webhooks of project 42 (403)");
          return "created";
        },
        removeProjectHooks: notCalled,
      },
      settings,
      () => now,
    );
    const pipelinesOnly = { push: false, pipelines: true };
    const first = await registrar.ensure(project, pipelinesOnly);
    expect(first).toMatchObject({ ok: false });
    expect(first).not.toHaveProperty("repeat");
    if (first.ok) throw new Error("unreachable");
    expect(first.summary).toContain("Mirroring works without it (the Developer role is enough for that)");
    expect(first.summary).toContain("**Pipeline events** and **Job events**");
    expect(first.summary).not.toContain("Tag push events");
    expect(await registrar.ensure(project, pipelinesOnly)).toMatchObject({ ok: false, repeat: true });
    now += 11 * 60 * 1000;
    expect(await registrar.ensure(project, pipelinesOnly)).toMatchObject({ ok: false, repeat: true });
    fail = false;
    now += 11 * 60 * 1000;
    expect(await registrar.ensure(project, pipelinesOnly)).toEqual({ ok: true, action: "created" });
  });

  it("explains a 403 with the steps to add the hook by hand, and tries again later", async () => {
    let now = 0;
    let calls = 0;
    const registrar = new HookRegistrar(
      {
        ensureProjectHook: async () => {
          calls++;
          throw new MirrorError("gitlab_forbidden", "GitLab refused mirror-bot access to the webhooks of project 42 (403)");
        },
        removeProjectHooks: notCalled,
      },
      settings,
      () => now,
    );
    const outcome = await registrar.ensure(project);
    expect(outcome).toMatchObject({ ok: false, title: expect.stringContaining("(403)") });
    if (outcome.ok) throw new Error("unreachable");
    expect(outcome.summary).toContain("https://gitlab.example.com/group/proj/-/hooks");
    expect(outcome.summary).toContain("`https://mirror.example.com/api/gitlab/webhooks`");
    expect(outcome.summary).toContain("Tag push events");
    expect(outcome.summary).not.toContain(settings.secret);
    await registrar.ensure(project);
    expect(calls).toBe(1);
    now += 11 * 60 * 1000;
    await registrar.ensure(project);
    expect(calls).toBe(2);
  });

  it("says which setting is missing without calling GitLab", async () => {
    const registrar = new HookRegistrar(
      {
        ensureProjectHook: async () => {
          throw new Error("must not be called");
        },
        removeProjectHooks: notCalled,
      },
      { secret: "glwhs-secret-123" },
    );
    const outcome = await registrar.ensure(project);
    expect(outcome).toMatchObject({ ok: false, summary: expect.stringContaining("MIRROR_PUBLIC_URL") });
  });
});

describe("BounceLog", () => {
  it("recognises a mirror's own push once, per side, ref, sha and mirror", () => {
    let now = 0;
    const log = new BounceLog(() => now);
    log.recordPushed("github", "Octo/Repo", "group/proj", [
      { ref: "refs/heads/main", action: "fast-forward", oldSha: "a", newSha: "b" },
      { ref: "refs/heads/gone", action: "delete", oldSha: "c", newSha: null },
    ]);
    expect(log.takeBounce("gitlab", "octo/repo", "group/proj", "refs/heads/main", "b")).toBe(false);
    expect(log.takeBounce("github", "octo/repo", "other/proj", "refs/heads/main", "b")).toBe(false);
    expect(log.takeBounce("github", "octo/repo", "group/proj", "refs/heads/main", "x")).toBe(false);
    expect(log.takeBounce("github", "octo/repo", "group/proj", "refs/heads/main", "b")).toBe(true);
    expect(log.takeBounce("github", "octo/repo", "group/proj", "refs/heads/main", "b")).toBe(false); // a later re-run reports
    log.recordPushed("github", "octo/repo", "group/proj", [{ ref: "refs/heads/main", action: "fast-forward", oldSha: "b", newSha: "c" }]);
    now += 11 * 60 * 1000;
    expect(log.takeBounce("github", "octo/repo", "group/proj", "refs/heads/main", "c")).toBe(false);
  });
});

describe("pull reports", () => {
  const base: PullReportInput = {
    projectPath: "group/proj",
    projectWebUrl: project.webUrl,
    repoHtmlUrl: "https://github.com/octo/repo",
    direction: "both",
    durationMs: 1200,
    attempts: 1,
  };
  const sha = "b".repeat(40);

  it.each<[string, Partial<PullReportInput>, { ref: string; sha: string }, ReturnType<typeof renderGitLabStatus>]>([
    [
      "success when this sync carried the commit",
      {
        result: {
          changes: [{ ref: "refs/heads/main", action: "fast-forward", oldSha: "a".repeat(40), newSha: sha }],
          refusals: [],
          unchangedCount: 0,
          inSync: { "refs/heads/main": sha },
        },
      },
      { ref: "refs/heads/main", sha },
      { state: "success", description: "Mirrored to GitHub in 1.2 s", targetUrl: `https://github.com/octo/repo/commit/${sha}` },
    ],
    [
      "nothing when GitHub already had it (a bounce)",
      { result: { changes: [], refusals: [], unchangedCount: 1, inSync: { "refs/heads/main": sha } } },
      { ref: "refs/heads/main", sha },
      null,
    ],
    [
      "failed, with both shas, when the branch diverged",
      {
        result: {
          changes: [],
          refusals: [{ ref: "refs/heads/main", reason: "diverged", sourceSha: sha, targetSha: "c".repeat(40), sourceOnly: 1, targetOnly: 1 }],
          unchangedCount: 0,
        },
      },
      { ref: "refs/heads/main", sha },
      {
        state: "failed",
        description: "main has diverged on GitHub: not overwritten (GitLab bbbbbbb, GitHub ccccccc); merge one into the other",
        targetUrl: "https://github.com/octo/repo/tree/main",
      },
    ],
    [
      "failed with the error's message",
      { error: new MirrorError("protected_branch", "GitHub refused to push refs/heads/main: a protected branch or push rule forbids it") },
      { ref: "refs/heads/main", sha },
      { state: "failed", description: "GitHub refused to push refs/heads/main: a protected branch or push rule forbids it", targetUrl: "https://github.com/octo/repo" },
    ],
  ])("GitLab status: %s", (_what, over, target, expected) => {
    expect(renderGitLabStatus({ ...base, ...over }, target)).toEqual(expected);
  });

  it("says who wins with force, depending on the direction", () => {
    const refusal = { ref: "refs/heads/main", reason: "diverged" as const, sourceSha: sha, targetSha: "c".repeat(40) };
    const result = { changes: [], refusals: [refusal], unchangedCount: 0 };
    expect(renderPullReport({ ...base, result }).output.summary).toContain("Let GitHub win");
    expect(renderPullReport({ ...base, direction: "pull", result }).output.summary).toContain("Let GitLab win");
    expect(renderPullReport({ ...base, result }).output.title).toBe("main has diverged on GitHub: not overwritten");
  });
});

describe("MirrorIndex routing of GitLab events", () => {
  const m = (gitlab: string | number, direction: MirrorConfig["direction"]) =>
    ({ gitlab, direction, branches: null, tags: true, prune: true, force: false, notify: "issue", create: false }) as MirrorConfig;
  it("matches a webhook's project path (any case) or numeric id, only for pull and both mirrors, and forgets removed configs", async () => {
    const index = new MirrorIndex();
    await index.set({ installationId: 1, owner: "o", repo: "by-path", mirrors: [m("Group/Sub/Proj", "pull")] });
    await index.set({ installationId: 1, owner: "o", repo: "by-id", mirrors: [m(42, "both")] });
    await index.set({ installationId: 1, owner: "o", repo: "push-only", mirrors: [m("group/sub/proj", "push")] });
    const route = async () => (await index.byGitLabProject(["group/sub/proj", 42], ["pull", "both"])).map((r) => r.repo).sort();
    expect(await route()).toEqual(["by-id", "by-path"]);
    await index.set({ installationId: 1, owner: "o", repo: "by-id", mirrors: [m(42, "push")] }); // the config changed
    expect(await route()).toEqual(["by-path"]);
    await index.set({ installationId: 1, owner: "o", repo: "by-path", mirrors: [] });
    expect(await route()).toEqual([]);
  });
});
