import { jest } from "@jest/globals";
import { blockedByWorkflows, canWriteWorkflows, screenWorkflowsPermission, workflowPath } from "../../../src/diagnostics/workflows-permission.js";
import type { RefChange } from "../../../src/mirror/types.js";
import { renderGitLabStatus, renderPullReport } from "../../../src/report/render-pull-report.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const change = (ref: string, action: RefChange["action"] = "fast-forward"): RefChange => ({
  ref,
  action,
  oldSha: action === "create" ? null : A,
  newSha: action.includes("delete") ? null : B,
});

describe("workflowPath", () => {
  it.each([
    [[".github/workflows/ci.yml", "a.txt"], ".github/workflows/ci.yml"],
    [["a.txt", ".github/workflows/sub/x.yaml"], ".github/workflows/sub/x.yaml"],
    [[".github/dependabot.yml", "docs/.github/workflows/x.yml", ".github/workflows"], undefined],
    [[], undefined],
  ])("%j → %s", (paths, expected) => {
    expect(workflowPath(paths)).toBe(expected);
  });
});

describe("canWriteWorkflows", () => {
  it.each([
    [{ contents: "write", workflows: "write" }, true],
    [{ contents: "write" }, false],
    [{ contents: "write", workflows: "read" }, false],
    [{}, undefined],
    [null, undefined],
    [undefined, undefined],
  ])("%j → %s", (permissions, expected) => {
    expect(canWriteWorkflows(permissions)).toBe(expected);
  });
});

describe("blockedByWorkflows", () => {
  const paths = new Map([
    ["refs/heads/main", ["a.txt", ".github/workflows/ci.yml"]],
    ["refs/heads/docs", ["docs/guide.md"]],
    ["refs/tags/v1", [".github/workflows/release.yml"]],
  ]);
  const changes = [change("refs/heads/main"), change("refs/heads/docs"), change("refs/tags/v1", "create"), change("refs/heads/old", "delete")];

  it("blocks every change bringing a workflow file when the app lacks workflows: write", () => {
    expect(blockedByWorkflows(changes, paths, { contents: "write" })).toEqual([
      { ...changes[0], rule: "workflows", path: ".github/workflows/ci.yml" },
      { ...changes[2], rule: "workflows", path: ".github/workflows/release.yml" },
    ]);
  });

  it.each([[{ contents: "write", workflows: "write" }], [null]])("blocks nothing with %j (granted, or unknown)", (permissions) => {
    expect(blockedByWorkflows(changes, paths, permissions)).toEqual([]);
  });
});

describe("screenWorkflowsPermission", () => {
  const changedPaths = async (c: RefChange) => (c.ref === "refs/heads/main" ? [".github/workflows/ci.yml"] : ["x.txt"]);

  it("asks for the permissions only when a change brings a workflow", async () => {
    const permissions = jest.fn(async () => ({ contents: "write" }));
    expect(await screenWorkflowsPermission([change("refs/heads/docs")], { changedPaths }, permissions)).toEqual([]);
    expect(permissions).not.toHaveBeenCalled();
    const blocked = await screenWorkflowsPermission([change("refs/heads/main"), change("refs/heads/docs")], { changedPaths }, permissions);
    expect(blocked.map((b) => b.ref)).toEqual(["refs/heads/main"]);
    expect(permissions).toHaveBeenCalledTimes(1);
  });

  it("skips nothing when the permissions cannot be read", async () => {
    const failing = async () => {
      throw new Error("boom");
    };
    expect(await screenWorkflowsPermission([change("refs/heads/main")], { changedPaths }, failing)).toEqual([]);
  });
});

describe("rendering a blocked workflow change", () => {
  const blocked = { ...change("refs/heads/main"), rule: "workflows" as const, path: ".github/workflows/ci.yml" };
  const input = {
    projectPath: "team/service",
    repoHtmlUrl: "https://github.com/octo/repo",
    direction: "pull" as const,
    durationMs: 400,
    attempts: 1,
    result: { changes: [change("refs/heads/docs")], refusals: [], unchangedCount: 0, blocked: [blocked], inSync: { "refs/heads/docs": B } },
  };

  it("fails the check run with the title, the file and the fix", () => {
    const report = renderPullReport(input);
    expect(report.conclusion).toBe("failure");
    expect(report.output.title).toBe("main changes .github/workflows: the app lacks the workflows permission");
    expect(report.output.summary).toContain("`.github/workflows/ci.yml`");
    expect(report.output.summary).toContain("Settings → GitHub Apps → mirror-bot → Permissions");
    expect(report.output.summary).toContain("Sync now");
    expect(report.output.text).toContain("`docs`");
  });

  it("fails the blocked ref's GitLab status and passes the other's", () => {
    expect(renderGitLabStatus(input, { ref: "refs/heads/main", sha: B })).toMatchObject({
      state: "failed",
      description: expect.stringContaining("main changes .github/workflows: the app lacks the workflows permission"),
    });
    expect(renderGitLabStatus(input, { ref: "refs/heads/docs", sha: B })).toMatchObject({ state: "success" });
  });
});
