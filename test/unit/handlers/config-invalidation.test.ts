/** Which pushes make the config cache read `.mirror.yml` again (handlers/config-invalidation.ts), on GitHub's own example payload. */
import { LISTED_COMMITS_LIMIT, LISTED_FILES_LIMIT, pushMayChangeConfig } from "../../../src/handlers/config-invalidation.js";
import { example } from "../../helpers/examples.js";

const commit = (files: { added?: string[]; modified?: string[]; removed?: string[] }) => ({ added: [], modified: [], removed: [], ...files });

function push(changes: Record<string, unknown>) {
  const payload = example("push", (p) => p.ref !== undefined && p.repository?.default_branch !== undefined);
  const onDefault = `refs/heads/${payload.repository.default_branch}`;
  return { ...payload, ref: onDefault, forced: false, created: false, deleted: false, commits: [commit({ modified: ["README.md"] })], ...changes } as Parameters<
    typeof pushMayChangeConfig
  >[0];
}

describe("pushMayChangeConfig", () => {
  it.each([
    ["a commit on the default branch that leaves .mirror.yml alone", {}, false],
    ["a commit that adds it", { commits: [commit({ added: [".mirror.yml"] })] }, true],
    ["a commit that changes it", { commits: [commit({ modified: ["README.md"] }), commit({ modified: [".mirror.yml"] })] }, true],
    ["a commit that removes it", { commits: [commit({ removed: [".mirror.yml"] })] }, true],
    ["a file of the same name in a folder", { commits: [commit({ modified: ["docs/.mirror.yml"] })] }, false],
    ["a forced push", { forced: true }, true],
    ["the branch created", { created: true }, true],
    ["the branch deleted", { deleted: true, commits: [] }, true],
    ["a push that lists no commit", { commits: [] }, true],
    ["as many commits as GitHub lists at most", { commits: Array.from({ length: LISTED_COMMITS_LIMIT }, () => commit({ modified: ["a"] })) }, true],
    ["a commit listing as many files as may be cut short", { commits: [commit({ added: Array.from({ length: LISTED_FILES_LIMIT }, (_, i) => `f${i}`) })] }, true],
  ])("%s", (_what, changes, expected) => {
    expect(pushMayChangeConfig(push(changes))).toBe(expected);
  });

  it("ignores pushes to other branches, whatever they change", () => {
    expect(pushMayChangeConfig(push({ ref: "refs/heads/feature", forced: true, commits: [commit({ modified: [".mirror.yml"] })] }))).toBe(false);
  });
});
