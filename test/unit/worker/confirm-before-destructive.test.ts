/**
 * Before a deletion or forced update, the GitLab project is read afresh and the access policy
 * checked on what GitLab says now (worker/two-way.ts `confirmBeforeDestructive`): a cached project
 * may be minutes old, and moving it out of the allowed groups must stop what would overwrite.
 */
import type { MirrorConfig } from "../../../src/config/schema.js";
import type { GitLabProject } from "../../../src/gitlab/client.js";
import type { RefChange } from "../../../src/mirror/types.js";
import { confirmBeforeDestructive, createTwoWayDeps } from "../../../src/worker/two-way.js";
import { syncJob } from "../../../src/worker/mirror-job.js";
import { parseEnv } from "../../../src/env.js";

const planned: GitLabProject = {
  id: 7,
  pathWithNamespace: "allowed/app",
  httpUrlToRepo: "https://gitlab.example.com/allowed/app.git",
  webUrl: "https://gitlab.example.com/allowed/app",
  visibility: "private",
  defaultBranch: "main",
};
const job = syncJob({ installationId: 1, owner: "octo", repo: "app" }, "cli");
const mirror = { gitlab: "allowed/app", direction: "push" } as MirrorConfig;
const repository = { defaultBranch: "main", cloneUrl: "", htmlUrl: "", private: true, visibility: "private" as const };
const change = (action: RefChange["action"]): RefChange => ({ ref: "refs/heads/main", action, oldSha: "a".repeat(40), newSha: action.includes("delete") ? null : "b".repeat(40) });

function deps(now: GitLabProject) {
  const asked: unknown[] = [];
  const env = parseEnv({ MIRROR_GITLAB_NAMESPACES: "allowed" });
  const gitlab = {
    showProject: async (idOrPath: string | number, options?: { fresh?: boolean }) => (asked.push([idOrPath, options]), now),
  };
  return { asked, deps: { twoWay: createTwoWayDeps(env, gitlab as never), gitlab } };
}

describe("confirmBeforeDestructive", () => {
  it("asks GitLab nothing for a plan that only creates and fast-forwards", async () => {
    const { asked, deps: d } = deps({ ...planned, pathWithNamespace: "elsewhere/app" });
    await confirmBeforeDestructive(d, job, mirror, planned, repository, [change("create"), change("fast-forward")]);
    expect(asked).toEqual([]);
  });

  it.each(["force-update", "delete", "force-delete"] as const)("reads the project afresh before a %s and passes one still allowed", async (action) => {
    const { asked, deps: d } = deps(planned);
    await confirmBeforeDestructive(d, job, mirror, planned, repository, [change(action)]);
    expect(asked).toEqual([["allowed/app", { fresh: true }]]);
  });

  it("refuses when the project has moved out of the allowed groups since it was cached", async () => {
    const { deps: d } = deps({ ...planned, pathWithNamespace: "elsewhere/app" });
    await expect(confirmBeforeDestructive(d, job, mirror, planned, repository, [change("force-update")])).rejects.toMatchObject({ code: "policy_denied" });
  });

  it("stops, to start over, when another project now has the path", async () => {
    const { deps: d } = deps({ ...planned, id: 8 });
    await expect(confirmBeforeDestructive(d, job, mirror, planned, repository, [change("delete")])).rejects.toMatchObject({ code: "lease_lost", retryable: true });
  });
});
