/**
 * Mirror jobs: what a burst of events for one repository becomes once coalesced, as the worker
 * reads it. The queue only folds jobs with mergeJobs; these rules decide what gets reported,
 * validated and followed.
 */
import {
  beforesOf,
  configCommitsOf,
  dropJob,
  githubPushJob,
  gitlabPushJob,
  gitlabTargetsOf,
  isDrop,
  mergeJobs,
  onlyGitHubPushes,
  reportsChanges,
  reportTargetsOf,
  repositoryOf,
  rerunJob,
  syncJob,
  triggerOf,
  type MirrorJob,
  type RepositorySnapshot,
} from "../../../src/worker/mirror-job.js";

const target = { installationId: 1, owner: "Octo", repo: "App" };
const sha = (c: string) => c.repeat(40);
const repository = (defaultBranch: string): RepositorySnapshot => ({
  defaultBranch,
  cloneUrl: "https://github.example/octo/app.git",
  htmlUrl: "https://github.example/octo/app",
  private: true,
  visibility: "private",
});
const push = (delivery: string, ref: string, after: string | null, before: string | null = null, configChanged = false, branch = "main") =>
  githubPushJob(target, delivery, { ref, sha: after, before, configChanged, repository: repository(branch) });
const coalesce = (...jobs: MirrorJob[]) => jobs.reduce((older, newer) => mergeJobs(older, newer));

describe("mirror jobs", () => {
  it("are keyed by repository, case-insensitively, and keep every delivery of a burst", () => {
    const job = coalesce(push("d1", "refs/heads/main", sha("1")), push("d2", "refs/heads/dev", sha("2")));
    expect(job.key).toBe("octo/app");
    expect(job.deliveryIds).toEqual(["d1", "d2"]);
  });

  it("report on the newest tip of each pushed ref, newest push last; a deletion has no commit to report on", () => {
    const job = coalesce(
      push("d1", "refs/heads/main", sha("1")),
      push("d2", "refs/heads/dev", sha("2")),
      push("d3", "refs/heads/main", sha("3")),
      push("d4", "refs/heads/gone", null, sha("4")),
    );
    expect(reportTargetsOf(job)).toEqual([
      { ref: "refs/heads/dev", sha: sha("2") },
      { ref: "refs/heads/main", sha: sha("3") },
    ]);
  });

  it("keep every `before` of a chain of pushes, per side and per GitLab project", () => {
    const job = coalesce(
      push("d1", "refs/heads/main", sha("2"), sha("1")),
      push("d2", "refs/heads/main", sha("3"), sha("2")),
      gitlabPushJob(target, "g1", { projectId: 5, ref: "refs/heads/main", sha: sha("9"), before: sha("8") }),
      gitlabPushJob(target, "g2", { projectId: 6, ref: "refs/heads/main", sha: sha("7"), before: sha("6") }),
    );
    expect(beforesOf(job, "github")).toEqual(new Map([["refs/heads/main", new Set([sha("1"), sha("2")])]]));
    expect(beforesOf(job, "gitlab", 5)).toEqual(new Map([["refs/heads/main", new Set([sha("8")])]]));
    expect(beforesOf(job, "gitlab", 7)).toEqual(new Map());
  });

  it("give each GitLab commit pushed (newest per project and ref) a status, and none to a deleted ref", () => {
    const job = coalesce(
      gitlabPushJob(target, "g1", { projectId: 5, ref: "refs/heads/main", sha: sha("1"), before: null }),
      gitlabPushJob(target, "g2", { projectId: 5, ref: "refs/heads/main", sha: sha("2"), before: sha("1") }),
      gitlabPushJob(target, "g3", { projectId: 5, ref: "refs/heads/old", sha: null, before: sha("3") }),
    );
    expect(gitlabTargetsOf(job)).toEqual([{ projectId: 5, ref: "refs/heads/main", sha: sha("2") }]);
    expect(reportTargetsOf(job)).toEqual([]);
  });

  it("validate each commit that changed .mirror.yml once", () => {
    const job = coalesce(push("d1", "refs/heads/main", sha("1"), null, true), push("d2", "refs/heads/main", sha("2")), push("d3", "refs/heads/x", sha("1"), null, true));
    expect(configCommitsOf(job)).toEqual([sha("1")]);
  });

  it("report what changed when a full sync is folded in, keeping the pushed commits", () => {
    const pushed = push("d1", "refs/heads/main", sha("1"));
    const merged = mergeJobs(pushed, syncJob(target, "interval"));
    expect(reportsChanges(merged)).toBe(true);
    expect(reportTargetsOf(merged)).toEqual([{ ref: "refs/heads/main", sha: sha("1") }]);
    expect(triggerOf(merged)).toBe("interval");
    expect(reportsChanges(mergeJobs(pushed, pushed))).toBe(false);
  });

  it("are GitHub pushes only (planned from GitLab's refs in memory) until a sync, a re-run or a GitLab push is folded in", () => {
    const pushed = coalesce(push("d1", "refs/heads/main", sha("1")), push("d2", "refs/heads/dev", sha("2")));
    expect(onlyGitHubPushes(pushed)).toBe(true);
    expect(onlyGitHubPushes(mergeJobs(pushed, syncJob(target, "interval")))).toBe(false);
    expect(onlyGitHubPushes(mergeJobs(pushed, rerunJob(target, "r1", { ref: "refs/heads/main", sha: sha("1") })))).toBe(false);
    expect(onlyGitHubPushes(mergeJobs(pushed, gitlabPushJob(target, "g1", { projectId: 5, ref: "refs/heads/main", sha: sha("3"), before: sha("1") })))).toBe(false);
  });

  it("answer 'Re-run' and 'Sync now' on the commit whose button was pressed", () => {
    const rerun = rerunJob(target, "r1", { ref: "refs/heads/main", sha: sha("5") });
    const syncNow = syncJob(target, "sync-now", "s1", { ref: "refs/heads/dev", sha: sha("6") });
    expect(reportTargetsOf(coalesce(rerun, syncNow))).toEqual([
      { ref: "refs/heads/main", sha: sha("5") },
      { ref: "refs/heads/dev", sha: sha("6") },
    ]);
    expect(reportTargetsOf(rerunJob(target, "r2", null))).toEqual([]);
  });

  it("let the newest word win between dropping a repository and syncing it", () => {
    const pushed = push("d1", "refs/heads/main", sha("1"));
    const dropped = dropJob(target, "u1");
    expect(isDrop(mergeJobs(pushed, dropped))).toBe(true);
    expect(isDrop(mergeJobs(dropped, pushed))).toBe(false);
    expect(triggerOf(dropped)).toBe("uninstall");
  });

  it("use the newest push's repository facts, and none when no push is folded in", () => {
    expect(repositoryOf(coalesce(push("d1", "refs/heads/main", sha("1"), null, false, "main"), push("d2", "refs/heads/x", sha("2"), null, false, "trunk")))?.defaultBranch).toBe(
      "trunk",
    );
    expect(repositoryOf(syncJob(target, "cli"))).toBeUndefined();
  });

  it("survive the Redis queue's JSON round trip unchanged", () => {
    const job = coalesce(push("d1", "refs/heads/main", sha("2"), sha("1"), true), gitlabPushJob(target, "g1", { projectId: 5, ref: "refs/tags/v1", sha: sha("3"), before: null }));
    const stored = JSON.parse(JSON.stringify(job)) as MirrorJob;
    expect(reportTargetsOf(stored)).toEqual(reportTargetsOf(job));
    expect(beforesOf(stored, "github")).toEqual(beforesOf(job, "github"));
    expect(gitlabTargetsOf(stored)).toEqual(gitlabTargetsOf(job));
  });

  it("run a job an older version left in Redis (no events) as a full sync, so an upgrade loses no push", () => {
    const legacy = JSON.parse('{"key":"octo/app","installationId":1,"owner":"octo","repo":"app","deliveryIds":["d0"],"enqueuedAt":1,"reportTargets":[]}') as MirrorJob;
    const merged = mergeJobs(legacy, push("d1", "refs/heads/main", sha("1")));
    expect(reportsChanges(merged)).toBe(true);
    expect(reportTargetsOf(merged)).toEqual([{ ref: "refs/heads/main", sha: sha("1") }]);
  });
});
