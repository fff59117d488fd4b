import { expandTemplate, usesOrgConfig } from "../../../src/config/org-config.js";
import { validateMirrorFile } from "../../../src/config/schema.js";
import { diagnoseGitLabToken, renderDiagnostics } from "../../../src/diagnostics/gitlab-token.js";
import { issueBody, notificationStep } from "../../../src/notify/failure-issue.js";
import { gitlabVisibilityFor } from "../../../src/sync/ensure-project.js";
import { withRetryNote } from "../../../src/sync/follow-up.js";
import { changedCommits, MAX_CHANGE_REPORTS } from "../../../src/sync/report-changes.js";
import { parseRetryAfter, retryDecision } from "../../../src/gitlab/requester.js";
import { differingRefs } from "../../../src/mirror/compare-refs.js";
import { registerSecret } from "../../../src/secrets.js";

describe("org-wide templates", () => {
  it("fills in {repo} and {owner} everywhere, leaving other braces alone", () => {
    expect(expandTemplate("mirrors:\n  - gitlab: acme-mirror/{repo}\n    branches: ['{owner}-*', '{x}']\n", { owner: "acme", repo: "widgets" })).toBe(
      "mirrors:\n  - gitlab: acme-mirror/widgets\n    branches: ['acme-*', '{x}']\n",
    );
  });

  it("does not apply the template to the .github repository itself", () => {
    expect(usesOrgConfig(".github")).toBe(false);
    expect(usesOrgConfig(".GitHub")).toBe(false);
    expect(usesOrgConfig("widgets")).toBe(true);
  });

  it("accepts create: true and rejects anything but a boolean", () => {
    const ok = validateMirrorFile({ mirrors: [{ gitlab: "g/p", create: true }] });
    expect(ok).toMatchObject({ ok: true, config: { mirrors: [{ create: true }] } });
    expect(validateMirrorFile({ mirrors: [{ gitlab: "g/p" }] })).toMatchObject({ ok: true, config: { mirrors: [{ create: false }] } });
    expect(validateMirrorFile({ mirrors: [{ gitlab: "g/p", create: "yes" }] })).toMatchObject({ ok: false });
  });
});

describe("created projects are never more visible than GitHub's", () => {
  it.each([
    [{ visibility: "public" as const, private: false }, "public"],
    [{ visibility: "private" as const, private: true }, "private"],
    [{ visibility: "internal" as const, private: true }, "private"],
    [{ private: true }, "private"],
  ])("%j → %s", (github, gitlab) => expect(gitlabVisibilityFor(github)).toBe(gitlab));
});

describe("notification state machine", () => {
  it.each([
    // notify, failed, before, now → step
    ["issue", true, 0, 1, "none"],
    ["issue", true, 1, 2, "none"],
    ["issue", true, 2, 3, "open"],
    ["issue", true, 3, 4, "none"],
    ["issue", true, undefined, 1, "none"],
    ["issue", false, 5, 0, "close"],
    ["issue", false, 3, 0, "close"],
    ["issue", false, 2, 0, "none"],
    ["issue", false, 0, 0, "none"],
    ["issue", false, undefined, 0, "close"],
    ["none", true, 2, 3, "none"],
    ["none", false, 5, 0, "none"],
  ] as const)("notify %s, failed %s, %s → %s failures: %s", (notify, failed, failuresBefore, failuresNow, step) => {
    expect(notificationStep({ notify, failed, failuresBefore, failuresNow })).toBe(step);
  });

  it("writes what fails, how to fix it and how to turn it off, without secrets", () => {
    registerSecret("glpat-notify-secret-123", "long-lived");
    const body = issueBody({
      target: "g/p",
      title: "GitLab at x rejected mirror-bot's token (401)",
      summary: "Renew glpat-notify-secret-123",
      failures: 3,
      retryAt: Date.UTC(2024, 0, 1),
    });
    expect(body).toContain("failed 3 times in a row");
    expect(body).toContain("rejected mirror-bot's token");
    expect(body).toContain("2024-01-01T00:00:00.000Z");
    expect(body).toContain("notify: none");
    expect(body).not.toContain("glpat-notify-secret-123");
  });
});

describe("retry note", () => {
  it("says when mirror-bot tries again", () => {
    const report = { projectPath: "g/p", conclusion: "failure" as const, output: { title: "t", summary: "s" } };
    const noted = withRetryNote(report, Date.UTC(2024, 0, 1, 0, 4), 3, Date.UTC(2024, 0, 1));
    expect(noted.output.summary).toBe(
      "s\n\n**mirror-bot tries again at 2024-01-01T00:04:00Z (in 4 min)**, and keeps retrying with a growing delay; fixing the cause and pressing **Sync now** tries at once. This mirror has failed 3 times in a row.",
    );
    expect(report.output.summary).toBe("s");
  });
});

describe("GitLab token pre-flight", () => {
  const now = Date.UTC(2024, 5, 10);
  it.each([
    [{ scopes: ["api"], expiresAt: null, active: true }, []],
    [{ scopes: ["api"], expiresAt: "2024-06-15", active: true }, ["warning: mirror-bot's GitLab token expires on 2024-06-15 (in 5 days)"]],
    [{ scopes: ["api"], expiresAt: "2024-06-11", active: true }, ["warning: mirror-bot's GitLab token expires on 2024-06-11 (in 1 day)"]],
    [{ scopes: ["api"], expiresAt: "2024-07-30", active: true }, []],
    [{ scopes: ["api"], expiresAt: "2024-06-10", active: true }, ["error: mirror-bot's GitLab token expired on 2024-06-10"]],
    [{ scopes: ["read_api", "write_repository"], expiresAt: null, active: true }, []],
    [
      { scopes: ["read_repository"], expiresAt: null, active: true },
      ["error: mirror-bot's GitLab token lacks the `api` scope", "error: mirror-bot's GitLab token lacks the `write_repository` scope"],
    ],
    [{ scopes: ["api"], expiresAt: null, active: false }, ["error: mirror-bot's GitLab token is revoked or inactive"]],
  ])("%j", (info, expected) => {
    expect(diagnoseGitLabToken({ name: "t", ...info }, now).map((d) => `${d.level}: ${d.title}`)).toEqual(expected);
  });

  it("renders findings with their fix", () => {
    const text = renderDiagnostics(diagnoseGitLabToken({ name: "t", scopes: ["api"], expiresAt: "2024-06-12", active: true }, now));
    expect(text).toContain("### Pre-flight checks");
    expect(text).toContain("set `GITLAB_TOKEN`");
    expect(renderDiagnostics([])).toBe("");
  });
});

describe("GitLab requester retry policy", () => {
  it.each([
    ["GET", 429, "rate-limited"],
    ["POST", 429, "rate-limited"],
    ["GET", 500, "transient"],
    ["GET", 502, "transient"],
    ["PUT", 503, "transient"],
    ["GET", null, "transient"],
    ["POST", 500, null],
    ["POST", null, null],
    ["GET", 501, null],
    ["GET", 404, null],
    ["GET", 401, null],
  ] as const)("%s answered %s → %s", (method, status, decision) => expect(retryDecision(method, status)).toBe(decision));

  it("reads Retry-After as seconds or a date", () => {
    expect(parseRetryAfter("2")).toBe(2);
    expect(parseRetryAfter("0.5")).toBe(0.5);
    expect(parseRetryAfter("Mon, 01 Jan 2024 00:00:30 GMT", Date.UTC(2024, 0, 1))).toBe(30);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe("reconciliation compare", () => {
  const all = () => true;
  const a = "a".repeat(40);
  const b = "b".repeat(40);
  it("finds created, moved and (when pruning) deleted refs, within the filter", () => {
    const source = new Map([
      ["refs/heads/main", a],
      ["refs/tags/v1", a],
      ["refs/heads/new", b],
      ["refs/pull/1/head", b],
    ]);
    const target = new Map([
      ["refs/heads/main", b],
      ["refs/tags/v1", a],
      ["refs/heads/gone", a],
      ["refs/merge-requests/1/head", a],
    ]);
    expect(differingRefs(source, target, all, true).map((d) => d.ref)).toEqual(["refs/heads/gone", "refs/heads/main", "refs/heads/new"]);
    expect(differingRefs(source, target, all, false).map((d) => d.ref)).toEqual(["refs/heads/main", "refs/heads/new"]);
    expect(differingRefs(source, target, (r) => r === "refs/heads/main", true)).toEqual([{ ref: "refs/heads/main", sourceSha: a, targetSha: b }]);
    expect(differingRefs(source, new Map(source), all, true)).toEqual([]);
  });
});

describe("check runs on what a sync changed", () => {
  const sha = (c: string) => c.repeat(40);
  it("reports new tips (tags peeled), branches first, each commit once, skipping deletions and already reported commits", () => {
    const result = {
      changes: [
        { ref: "refs/tags/v1", action: "create" as const, oldSha: null, newSha: sha("7") },
        { ref: "refs/heads/main", action: "fast-forward" as const, oldSha: sha("1"), newSha: sha("2") },
        { ref: "refs/heads/old", action: "delete" as const, oldSha: sha("3"), newSha: null },
        { ref: "refs/heads/same", action: "create" as const, oldSha: null, newSha: sha("2") },
        { ref: "refs/heads/seen", action: "create" as const, oldSha: null, newSha: sha("5") },
      ],
      refusals: [],
      unchangedCount: 0,
    };
    const peeled = new Map([["refs/tags/v1", sha("8")]]);
    expect(changedCommits(result, (ref, s) => peeled.get(ref) ?? s, new Set([sha("5")]))).toEqual([sha("2"), sha("8")]);
  });

  it(`caps a big first sync at ${MAX_CHANGE_REPORTS} check runs`, () => {
    const changes = Array.from({ length: 50 }, (_, i) => ({ ref: `refs/tags/t${i}`, action: "create" as const, oldSha: null, newSha: i.toString(16).padStart(40, "0") }));
    expect(changedCommits({ changes, refusals: [], unchangedCount: 0 }, (_r, s) => s, new Set())).toHaveLength(MAX_CHANGE_REPORTS);
  });
});
