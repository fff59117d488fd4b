import { MirrorError } from "../../../src/errors.js";
import { checkRunName, renderMirrorReport } from "../../../src/report/render-mirror-report.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);
const web = "https://gitlab.example.com/group/project";

describe("renderMirrorReport", () => {
  it("names the check after the GitLab project", () => {
    expect(checkRunName("group/sub/project")).toBe("GitLab mirror (group/sub/project)");
  });

  it("reports each updated ref with old → new short SHAs linked to GitLab, and the time taken", () => {
    const report = renderMirrorReport({
      projectPath: "group/project",
      projectWebUrl: web,
      durationMs: 1234,
      attempts: 1,
      result: {
        changes: [
          { ref: "refs/heads/main", action: "fast-forward", oldSha: A, newSha: B },
          { ref: "refs/tags/v1.0", action: "create", oldSha: null, newSha: C },
        ],
        refusals: [],
        unchangedCount: 3,
      },
    });
    expect(report.conclusion).toBe("success");
    expect(report.output.title).toBe("Mirrored 2 refs to GitLab in 1.2 s");
    expect(report.output.text).toContain(`| branch \`main\` | fast-forwarded | [\`aaaaaaa\`](${web}/-/commit/${A}) → [\`bbbbbbb\`](${web}/-/commit/${B}) |`);
    expect(report.output.text).toContain("| tag `v1.0` | created | — →");
    expect(report.output.summary).toContain("3 other ref(s) already matched");
  });

  it("says when nothing needed pushing", () => {
    const report = renderMirrorReport({ projectPath: "g/p", durationMs: 10, attempts: 1, result: { changes: [], refusals: [], unchangedCount: 2 } });
    expect(report.conclusion).toBe("success");
    expect(report.output.title).toBe("GitLab is up to date (g/p)");
  });

  it("fails a divergence with both SHAs, who is ahead by how much, and the two ways out", () => {
    const report = renderMirrorReport({
      projectPath: "group/project",
      projectWebUrl: web,
      durationMs: 500,
      attempts: 1,
      result: {
        changes: [],
        refusals: [{ ref: "refs/heads/main", reason: "diverged", sourceSha: A, targetSha: B, sourceOnly: 2, targetOnly: 1 }],
        unchangedCount: 0,
      },
    });
    expect(report.conclusion).toBe("failure");
    expect(report.output.title).toBe("main has diverged on GitLab: not overwritten");
    expect(report.output.summary).toContain("GitHub: `aaaaaaa`");
    expect(report.output.summary).toContain(`[\`bbbbbbb\`](${web}/-/commit/${B})`);
    expect(report.output.summary).toContain("GitHub has 2 commit(s) GitLab lacks; GitLab has 1 commit(s) GitHub lacks.");
    expect(report.output.summary).toContain("git merge FETCH_HEAD");
    expect(report.output.summary).toContain("`force: true`");
  });

  it.each([
    ["tag-moved", "refs/tags/v1", "tag v1 points elsewhere on GitLab: not moved"],
    ["would-lose-commits", "refs/heads/topic", "topic was not deleted on GitLab: it holds commits GitHub does not have"],
  ] as const)("titles a %s refusal", (reason, ref, title) => {
    const report = renderMirrorReport({
      projectPath: "g/p",
      durationMs: 1,
      attempts: 1,
      result: { changes: [], refusals: [{ ref, reason, sourceSha: reason === "tag-moved" ? A : null, targetSha: B }], unchangedCount: 0 },
    });
    expect(report.conclusion).toBe("failure");
    expect(report.output.title).toBe(title);
  });

  it("fails an error with its one-line message, the attempts made and the advice", () => {
    const error = new MirrorError("gitlab_project_not_found", "GitLab project g/p was not found on https://gitlab.com", { advice: "Check the `gitlab:` path." });
    const report = renderMirrorReport({ projectPath: "g/p", durationMs: 2000, attempts: 3, error });
    expect(report.conclusion).toBe("failure");
    expect(report.output.title).toBe("GitLab project g/p was not found on https://gitlab.com");
    expect(report.output.summary).toContain("failed after 3 attempts");
    expect(report.output.summary).toContain("Check the `gitlab:` path.");
  });
});
