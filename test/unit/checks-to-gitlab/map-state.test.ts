/** What a GitHub check becomes on GitLab: the state table users read in docs/ci-results-github-to-gitlab.md. */
import { checkRunState, commitStatusState, gitlabStatusName, statusDescription } from "../../../src/checks-to-gitlab/map-state.js";
import { isOwnGitHubStatus, isOwnGitLabStatus } from "../../../src/checks-to-gitlab/own-statuses.js";
import { checksOn, validateMirrorFile } from "../../../src/config/schema.js";

describe("check run → GitLab state", () => {
  it.each([
    ["queued", null, "pending"],
    ["waiting", null, "pending"],
    ["requested", null, "pending"],
    ["pending", null, "pending"],
    ["in_progress", null, "running"],
    ["completed", "success", "success"],
    ["completed", "neutral", "success"],
    ["completed", "skipped", "success"],
    ["completed", "failure", "failed"],
    ["completed", "timed_out", "failed"],
    ["completed", "action_required", "failed"],
    ["completed", "startup_failure", "failed"],
    ["completed", "cancelled", "canceled"],
    ["completed", "stale", "canceled"],
    ["completed", null, null],
    ["completed", "something_new", null],
    ["something_new", null, null],
  ])("%s / %s → %s", (status, conclusion, expected) => {
    expect(checkRunState(status, conclusion)).toBe(expected);
  });
});

describe("commit status → GitLab state", () => {
  it.each([
    ["pending", "pending"],
    ["success", "success"],
    ["failure", "failed"],
    ["error", "failed"],
    ["something_new", null],
  ])("%s → %s", (state, expected) => {
    expect(commitStatusState(state)).toBe(expected);
  });
});

describe("names and descriptions", () => {
  it("names the GitLab status github/<check name>, within GitLab's 255 characters", () => {
    expect(gitlabStatusName("build (ubuntu-latest, 20)")).toBe("github/build (ubuntu-latest, 20)");
    const long = gitlabStatusName("x".repeat(300));
    expect(long).toHaveLength(255);
    expect(long.endsWith("…")).toBe(true);
  });

  it("describes the state in GitHub's word, then the first line of the title, short", () => {
    expect(statusDescription("failure", "3 tests failed\nsee the log")).toBe("GitHub: failure - 3 tests failed");
    expect(statusDescription("in_progress", null)).toBe("GitHub: in_progress");
    expect(statusDescription("success", "y".repeat(500)).length).toBeLessThanOrEqual(140);
  });

  it("knows the statuses it writes on either side, and no others", () => {
    expect(isOwnGitLabStatus("github/build")).toBe(true);
    expect(isOwnGitLabStatus("github-mirror")).toBe(true);
    expect(isOwnGitLabStatus("rspec")).toBe(false);
    expect(isOwnGitLabStatus("githubber")).toBe(false);
    expect(isOwnGitHubStatus("gitlab/pipeline")).toBe(true);
    expect(isOwnGitHubStatus("GitLab/pipeline")).toBe(true);
    expect(isOwnGitHubStatus("ci/gitlab")).toBe(false);
    expect(isOwnGitHubStatus("continuous-integration/jenkins")).toBe(false);
  });
});

describe("checks: in .mirror.yml", () => {
  const mirror = (extra: Record<string, unknown>) => {
    const result = validateMirrorFile({ mirrors: [{ gitlab: "g/p", ...extra }] });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    return result.config.mirrors[0]!;
  };

  it.each([
    ["push", undefined, false],
    ["pull", undefined, true],
    ["both", undefined, true],
    ["push", true, true],
    ["pull", false, false],
    ["both", false, false],
  ])("direction %s, checks %s → %s", (direction, checks, expected) => {
    expect(checksOn(mirror({ direction, ...(checks === undefined ? {} : { checks }) }))).toBe(expected);
  });

  it("refuses anything but true or false, naming the key", () => {
    const result = validateMirrorFile({ mirrors: [{ gitlab: "g/p", checks: "yes" }] });
    expect(result).toMatchObject({ ok: false, issues: [{ path: ["mirrors", 0, "checks"], message: 'checks must be true or false (got "yes")' }] });
  });
});
