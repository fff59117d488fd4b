import { jest } from "@jest/globals";
import { blockedByProtection, matchesProtection, screenProtectedBranches } from "../../../src/diagnostics/protected-branches.js";
import type { RefChange } from "../../../src/mirror/types.js";
import { renderMirrorReport } from "../../../src/report/render-mirror-report.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const change = (ref: string, action: RefChange["action"]): RefChange => ({
  ref,
  action,
  oldSha: action === "create" ? null : A,
  newSha: action === "delete" || action === "force-delete" ? null : B,
});

describe("matchesProtection", () => {
  it.each([
    ["main", "main", true],
    ["main", "mai", false],
    ["release/1.0", "release/*", true],
    ["release/a/b", "release/*", true],
    ["hotfix", "release/*", false],
    ["v1.x", "v1.*", true],
    ["v1-x", "v1.*", false],
    ["feature-main", "*-main", true],
  ])("%s against %s → %s", (branch, pattern, expected) => {
    expect(matchesProtection(branch, pattern)).toBe(expected);
  });
});

describe("blockedByProtection", () => {
  const rules = [
    { name: "main", allowForcePush: false },
    { name: "release/*", allowForcePush: true },
  ];

  it.each([
    ["force-update of a protected branch", change("refs/heads/main", "force-update"), "force-push"],
    ["safe deletion of a protected branch", change("refs/heads/main", "delete"), "delete"],
    ["forced deletion of a protected branch", change("refs/heads/main", "force-delete"), "delete"],
    ["deletion of a branch whose rule allows force push", change("refs/heads/release/1", "delete"), "delete"],
    ["force-update where the rule allows force push", change("refs/heads/release/1", "force-update"), null],
    ["fast-forward of a protected branch", change("refs/heads/main", "fast-forward"), null],
    ["creation of a protected branch", change("refs/heads/main", "create"), null],
    ["force-update of an unprotected branch", change("refs/heads/topic", "force-update"), null],
    ["tag named like a protected branch", change("refs/tags/main", "force-update"), null],
  ])("%s", (_what, planned, rule) => {
    const blocked = blockedByProtection([planned], rules);
    expect(blocked.map((b) => b.rule)).toEqual(rule ? [rule] : []);
    if (rule) expect(blocked[0]).toMatchObject({ ref: planned.ref, oldSha: planned.oldSha, newSha: planned.newSha });
  });

  it("lets any matching rule that allows force push win, as GitLab does", () => {
    const both = [
      { name: "release/*", allowForcePush: false },
      { name: "release/1", allowForcePush: true },
    ];
    expect(blockedByProtection([change("refs/heads/release/1", "force-update")], both)).toEqual([]);
  });
});

describe("screenProtectedBranches", () => {
  it("does not ask GitLab when nothing in the plan can be refused by protection", async () => {
    const protectedBranches = jest.fn(async () => [{ name: "main", allowForcePush: false }]);
    expect(await screenProtectedBranches({ protectedBranches }, 7, [change("refs/heads/main", "fast-forward")])).toEqual([]);
    expect(protectedBranches).not.toHaveBeenCalled();
  });

  it("asks GitLab for the project's rules when the plan force-updates a branch", async () => {
    const protectedBranches = jest.fn(async () => [{ name: "main", allowForcePush: false }]);
    const blocked = await screenProtectedBranches({ protectedBranches }, 7, [change("refs/heads/main", "force-update"), change("refs/heads/x", "create")]);
    expect(protectedBranches).toHaveBeenCalledWith(7);
    expect(blocked).toEqual([expect.objectContaining({ ref: "refs/heads/main", rule: "force-push", protectedBy: "main" })]);
  });

  it("skips nothing when GitLab will not list the rules (the push then says what it refuses)", async () => {
    const protectedBranches = jest.fn(async () => {
      throw new Error("403");
    });
    expect(await screenProtectedBranches({ protectedBranches }, 7, [change("refs/heads/main", "force-update")])).toEqual([]);
  });
});

describe("a blocked ref in the check run", () => {
  const render = (blocked: Parameters<typeof renderMirrorReport>[0]["result"]) =>
    renderMirrorReport({ projectPath: "g/p", projectWebUrl: "https://gitlab.example.com/g/p", durationMs: 500, attempts: 1, result: blocked });

  it("fails, names the branch and the fix for a force push", () => {
    const report = render({
      changes: [change("refs/heads/topic", "create")],
      refusals: [],
      unchangedCount: 0,
      blocked: [{ ...change("refs/heads/main", "force-update"), rule: "force-push", protectedBy: "main" }],
    });
    expect(report.conclusion).toBe("failure");
    expect(report.output.title).toBe("main is protected on GitLab against force pushes: not overwritten");
    expect(report.output.summary).toContain("1 ref(s) skipped because GitLab protects the branch; 1 ref updated");
    expect(report.output.summary).toContain("Unprotect it or allow force push for the token's role in GitLab's **Settings → Repository → Protected branches**");
    expect(report.output.text).toContain("`topic`");
  });

  it("says a protected branch is deleted only in GitLab's web interface, naming a wildcard rule", () => {
    const report = render({
      changes: [],
      refusals: [{ ref: "refs/heads/old", reason: "would-lose-commits", sourceSha: null, targetSha: A }],
      unchangedCount: 0,
      blocked: [{ ...change("refs/heads/release/1", "delete"), rule: "delete", protectedBy: "release/*" }],
    });
    expect(report.output.title).toBe("2 refs refused on GitLab: old was not deleted on GitLab: it holds commits GitHub does not have, …");
    expect(report.output.summary).toContain("is a protected branch on GitLab (rule `release/*`)");
    expect(report.output.summary).toContain("only in its web interface");
  });
});
