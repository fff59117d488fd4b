import { MirrorIndex } from "../../../src/index/mirror-index.js";
import type { MirrorConfig } from "../../../src/config/schema.js";

const mirror = (gitlab: string | number, direction: MirrorConfig["direction"]): MirrorConfig => ({
  gitlab, direction, branches: null, tags: true, prune: true, force: false, notify: "issue", create: false,
});

describe("MirrorIndex", () => {
  it("finds the GitHub repositories linked to a GitLab project by path or id, per direction", () => {
    const index = new MirrorIndex();
    index.set({ installationId: 1, owner: "Octo", repo: "A", mirrors: [mirror("Group/Proj", "pull")] });
    index.set({ installationId: 1, owner: "octo", repo: "b", mirrors: [mirror(42, "both")] });
    index.set({ installationId: 2, owner: "x", repo: "c", mirrors: [mirror("group/proj", "push")] });

    expect(index.byGitLabProject(["group/proj", 7], ["pull", "both"]).map((r) => r.repo)).toEqual(["A"]);
    expect(index.byGitLabProject(["other/path", 42], ["pull", "both"]).map((r) => r.repo)).toEqual(["b"]);
    expect(index.byGitLabProject(["group/proj"], ["push"]).map((r) => r.repo)).toEqual(["c"]);
  });

  it("forgets a repository whose config no longer has mirrors, and a whole installation", () => {
    const index = new MirrorIndex();
    index.set({ installationId: 1, owner: "o", repo: "a", mirrors: [mirror("g/p", "push")] });
    index.set({ installationId: 2, owner: "o", repo: "b", mirrors: [mirror("g/q", "push")] });
    index.set({ installationId: 1, owner: "O", repo: "A", mirrors: [] });
    expect(index.get("o", "a")).toBeUndefined();
    index.set({ installationId: 1, owner: "o", repo: "c", mirrors: [mirror("g/r", "push")] });
    expect(index.removeInstallation(1).map((r) => r.repo)).toEqual(["c"]);
    expect(index.all().map((r) => r.repo)).toEqual(["b"]);
  });
});
