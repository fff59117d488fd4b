import { renderConfigPlan, type MirrorPlan, type PlanInput } from "../../../src/report/render-config-plan.js";
import type { PreviewEntry } from "../../../src/mirror/preview-ref-updates.js";

const H = "refs/heads/";
const mirror = { gitlab: "group/app", direction: "push" as const, prune: true, force: false };
const exists = { kind: "exists" as const, pathWithNamespace: "group/app", webUrl: "https://gitlab.example/group/app", visibility: "private" };

function planWith(entries: PreviewEntry[], overrides: Partial<MirrorPlan> = {}): PlanInput {
  return {
    mirrorCount: 1,
    repos: [
      {
        repo: "octo/app",
        mirrors: [
          {
            mirror,
            project: exists,
            policy: { ok: true },
            token: { ok: true },
            halves: [{ target: "GitLab", preview: { entries, unchangedCount: 1, historyFromCache: true } }],
            ...overrides,
          },
        ],
      },
    ],
  };
}

const stale = (n: number): PreviewEntry[] => Array.from({ length: n }, (_, i) => ({ ref: `${H}stale-${String(i).padStart(2, "0")}`, group: "delete" as const }));

describe("renderConfigPlan", () => {
  it("is a success that says what is created when nothing is deleted or overwritten", () => {
    const { conclusion, output } = renderConfigPlan(
      planWith([
        { ref: `${H}main`, group: "create" },
        { ref: "refs/tags/v1", group: "create" },
      ]),
    );
    expect(conclusion).toBe("success");
    expect(output.title).toBe(".mirror.yml is valid: merging this creates 1 branch and 1 tag on GitLab");
    expect(output.summary).toContain("- Project: [group/app](https://gitlab.example/group/app) exists (private)");
    expect(output.summary).toContain("- On GitLab: 2 to create, 1 unchanged");
    // The settings a reader cannot see in the file, with their defaults applied.
    expect(output.summary).toContain("**`group/app`** (push: GitHub → GitLab; prune true, force false, GitHub checks on GitLab false)");
  });

  it("is neutral and counts deletions in the title, listing the first 50 names and how many more", () => {
    const { conclusion, output } = renderConfigPlan(planWith(stale(55)));
    expect(conclusion).toBe("neutral");
    expect(output.title).toBe("Merging this deletes 55 branches on GitLab");
    expect(output.text).toContain("**Deleted: 55**");
    expect(output.text).toContain("- branch `stale-49`");
    expect(output.text).not.toContain("`stale-50`");
    expect(output.text).toContain("- … and 5 more");
  });

  it("names overwrites and possible deletions, which are decided at sync time", () => {
    const { conclusion, output } = renderConfigPlan(
      planWith([
        { ref: `${H}topic`, group: "overwrite", why: "the source rewrote it" },
        { ref: `${H}old`, group: "undecided-delete" },
      ]),
    );
    expect(conclusion).toBe("neutral");
    expect(output.title).toBe("Merging this overwrites 1 branch on GitLab (and may delete 1 branch on GitLab: decided at sync time)");
    expect(output.text).toContain("- branch `topic`: the source rewrote it");
  });

  it("fails when the project does not exist, and says so instead of listing refs", () => {
    const { conclusion, output } = renderConfigPlan(
      planWith([], {
        project: { kind: "missing", message: "GitLab project group/app does not exist (or mirror-bot's token cannot see it)", advice: "Create it." },
        policy: undefined,
        halves: [],
      }),
    );
    expect(conclusion).toBe("failure");
    expect(output.title).toBe("Merging this cannot mirror: GitLab project group/app does not exist (or mirror-bot's token cannot see it)");
    expect(output.summary).toContain("nothing would be mirrored until this is fixed");
  });

  it("fails when the access policy forbids the project", () => {
    const { conclusion, output } = renderConfigPlan(
      planWith(stale(3), { policy: { ok: false, message: "GitLab project group/app is outside the groups this app may mirror (allowed)", advice: "Ask the operator." } }),
    );
    expect(conclusion).toBe("failure");
    expect(output.title).toBe("Merging this cannot mirror: GitLab project group/app is outside the groups this app may mirror (allowed)");
    expect(output.text).not.toContain("stale-00");
  });

  it("covers the repositories an org-wide template applies to, and counts those not planned", () => {
    const input = planWith(stale(2));
    const { conclusion, output } = renderConfigPlan({ ...input, template: { owner: "acme", moreRepos: 21, mirrors: ["`acme/{repo}`: push"] } });
    expect(conclusion).toBe("neutral");
    expect(output.title).toBe("Merging this deletes 2 branches on GitLab for 22 repositories");
    expect(output.summary).toContain("It applies to 22 repositories of acme without their own .mirror.yml; the first 1 are planned here, 21 more are not.");
    expect(output.summary).toContain("### octo/app");
  });
});
