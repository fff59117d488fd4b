import { unknownKeyMessage, validateMirrorFile } from "../../../src/config/schema.js";

const withMirror = (fields: Record<string, unknown>) => validateMirrorFile({ mirrors: [{ gitlab: "group/project", ...fields }] });
const messages = (fields: Record<string, unknown>) => {
  const result = withMirror(fields);
  return result.ok ? [] : result.issues.map((i) => i.message);
};

describe("validateMirrorFile: gitlab", () => {
  it.each([["group/project"], ["a/b/c/d"], ["my-group/my.project_1"], [1], [123456]])("accepts %j", (gitlab) => {
    expect(withMirror({ gitlab }).ok).toBe(true);
  });

  it.each([
    ["", "gitlab must not be empty"],
    ["project", 'gitlab: "project" is not a valid project path (it needs a namespace and a project, like "group/project")'],
    ["/group/project", 'gitlab: "/group/project" is not a valid project path (it must not start or end with "/")'],
    ["group/project/", 'gitlab: "group/project/" is not a valid project path (it must not start or end with "/")'],
    ["group//project", 'gitlab: "group//project" is not a valid project path (it must not contain "//")'],
    ["group/../project", 'gitlab: "group/../project" is not a valid project path (it must not contain "..")'],
    ["group/project.GIT", 'gitlab: "group/project.GIT" is not a valid project path (drop the ".git" suffix)'],
    ["group/my project", 'gitlab: "group/my project" is not a valid project path (use only letters, digits, "_", "-", "." and "/")'],
    ["https://gitlab.com/group/project", 'gitlab: "https://gitlab.com/group/project" is not a valid project path (put the instance in "url" and only "group/project" in "gitlab")'],
    [0, "gitlab must be a positive whole project id (got 0)"],
    [-4, "gitlab must be a positive whole project id (got -4)"],
    [1.5, "gitlab must be a positive whole project id (got 1.5)"],
    [true, 'gitlab must be a project path like "group/project" or a numeric project id (got true)'],
    [["a/b"], 'gitlab must be a project path like "group/project" or a numeric project id (got a list)'],
  ])("rejects %j", (gitlab, message) => {
    expect(messages({ gitlab })).toEqual([message]);
  });
});

describe("validateMirrorFile: url", () => {
  it.each([["https://gitlab.com"], ["http://gitlab.internal:8080/"], ["https://example.com/gitlab"]])("accepts %s", (url) => {
    expect(withMirror({ url }).ok).toBe(true);
  });

  it.each([
    ["gitlab.com", 'url must be an http(s) URL like "https://gitlab.example.com" (got "gitlab.com")'],
    ["ssh://git@gitlab.com", 'url must start with https:// or http:// (got "ssh:")'],
    ["https://token@gitlab.com", "url must not contain credentials; mirror-bot uses its own token for each GitLab instance. Remove them and revoke that token"],
    ["https://gitlab.com/?private_token=x", "url must not contain a query string or fragment"],
    ["https://gitlab.com/#top", "url must not contain a query string or fragment"],
    [42, "url must be text (got 42; put it in quotes)"],
  ])("rejects %j", (url, message) => {
    expect(messages({ url })).toEqual([message]);
  });
});

describe("validateMirrorFile: other fields", () => {
  it.each([
    [{ direction: "sideways" }, 'direction must be one of push, pull, both (got "sideways")'],
    [{ notify: "email" }, 'notify must be one of issue, none (got "email")'],
    [{ force: "no" }, 'force must be true or false (got "no")'],
    [{ branches: "main" }, 'branches must be a list of glob patterns (got "main")'],
    [{ branches: ["main", 7] }, "branches[1] must be text (got 7; put it in quotes)"],
    [{ tags: "v*" }, 'tags must be true, false or a list of glob patterns (got "v*")'],
    [{ tags: [1] }, "tags must be a list of glob patterns (text; quote entries that look like numbers)"],
    [{ tags: ["v*", "re[lease"] }, 'tags[1]: "re[lease" is not a valid glob pattern (missing closing "]")'],
  ])("%j", (fields, message) => {
    expect(messages(fields)).toEqual([message]);
  });

  it("applies defaults and keeps an explicit branches: null as 'all branches'", () => {
    expect(withMirror({ branches: null })).toEqual({
      ok: true,
      config: {
        mirrors: [{ gitlab: "group/project", direction: "push", branches: null, tags: true, prune: true, force: false, notify: "issue", create: false, lfs: true }],
      },
    });
  });

  it("splits unknown keys into one issue per key, aimed at the key", () => {
    expect(withMirror({ brnches: [], colour: "red" })).toEqual({
      ok: false,
      issues: [
        { path: ["mirrors", 0, "brnches"], message: 'unknown key "brnches" (did you mean "branches"?)', target: "key" },
        {
          path: ["mirrors", 0, "colour"],
          message: 'unknown key "colour" (allowed: gitlab, url, direction, branches, tags, prune, force, backups, notify, create, pipelines, checks, lfs)',
          target: "key",
        },
      ],
    });
  });

  it.each([
    [
      "same id twice; another instance is fine",
      [{ gitlab: 7 }, { gitlab: 7 }, { gitlab: 7, url: "https://x.org" }],
      [["mirrors.1.gitlab", 'duplicate mirror: mirrors[0] already mirrors to "7"']],
    ],
    ["entries that are not mappings do not break the check", [{ gitlab: 7 }, null], [["mirrors.1", "mirrors[1] must be a mapping of keys to values (got an empty value)"]]],
  ])("duplicates: %s", (_name, mirrors, expected) => {
    const result = validateMirrorFile({ mirrors });
    expect(result.ok ? [] : result.issues.map((i) => [i.path.join("."), i.message])).toEqual(expected);
  });
});

describe("unknownKeyMessage", () => {
  const known = ["gitlab", "url", "direction", "branches", "tags", "prune", "force", "notify"];
  it.each([
    ["brnches", 'unknown key "brnches" (did you mean "branches"?)'],
    ["Branches", 'unknown key "Branches" (did you mean "branches"?)'],
    ["tag", 'unknown key "tag" (did you mean "tags"?)'],
    ["branch", 'unknown key "branch" (did you mean "branches"?)'],
    ["pull", 'unknown key "pull" (allowed: gitlab, url, direction, branches, tags, prune, force, notify)'],
  ])("%s", (key, message) => {
    expect(unknownKeyMessage(key, known)).toBe(message);
  });
});
