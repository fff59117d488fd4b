import { createRefFilter } from "../../../src/config/match-refs.js";
import { globProblem } from "../../../src/config/ref-globs.js";
import type { MirrorConfig } from "../../../src/config/schema.js";

type Filter = Pick<MirrorConfig, "branches" | "tags">;
const ALL: Filter = { branches: null, tags: true };
const RELEASES: Filter = { branches: ["main", "release/*"], tags: ["v*"] };
const NO_TAGS: Filter = { branches: ["**"], tags: false };

describe("createRefFilter", () => {
  it.each<[string, Filter, string, boolean]>([
    ["all branches", ALL, "refs/heads/feature/deep/name", true],
    ["all tags", ALL, "refs/tags/anything", true],
    ["exact branch", RELEASES, "refs/heads/main", true],
    ["prefix of a listed name", RELEASES, "refs/heads/main2", false],
    ["one level under release/", RELEASES, "refs/heads/release/1.0", true],
    ["* does not cross /", RELEASES, "refs/heads/release/1/hotfix", false],
    ["unlisted branch", RELEASES, "refs/heads/feature", false],
    ["tag glob", RELEASES, "refs/tags/v1.2.3", true],
    ["unlisted tag", RELEASES, "refs/tags/nightly", false],
    ["branch glob does not apply to tags", RELEASES, "refs/tags/main", false],
    ["tags: false", NO_TAGS, "refs/tags/v1", false],
    ["** with dot segments", NO_TAGS, "refs/heads/.hidden/x", true],
    ["no branches at all", { branches: [], tags: true }, "refs/heads/main", false],
    ["pull request heads", ALL, "refs/pull/1/head", false],
    ["merge requests", ALL, "refs/merge-requests/1/head", false],
    ["keep-around", ALL, "refs/keep-around/0123abcd", false],
    ["notes", ALL, "refs/notes/commits", false],
    ["bare refs/heads/", ALL, "refs/heads/", false],
    ["short name", ALL, "main", false],
    ["HEAD", ALL, "HEAD", false],
  ])("%s: %s %s → %s", (_name, config, ref, expected) => {
    expect(createRefFilter(config)(ref)).toBe(expected);
  });
});

describe("globProblem", () => {
  it.each([
    ["main", undefined],
    ["release/**", undefined],
    ["v[0-9]*", undefined],
    ["{main,develop}", undefined],
    ["", "it is empty"],
    ["re[lease", 'missing closing "]"'],
    ["feat(ure", 'missing closing ")"'],
    ["main branch", "branch and tag names cannot contain spaces"],
    ["a\tb", "branch and tag names cannot contain control characters"],
    ["HEAD~1", 'branch and tag names cannot contain "~", "^", ":" or "\\"'],
    ["release/..", 'branch and tag names cannot contain ".."'],
    ["main@{1}", 'branch and tag names cannot contain "@{"'],
    ["[z-a]", "it can never match"],
  ])("%j → %j", (glob, problem) => {
    expect(globProblem(glob)).toBe(problem);
  });
});
