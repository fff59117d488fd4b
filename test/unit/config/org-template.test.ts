/** The org-wide template checked on its own (the `.github` repository's `.mirror.yml`). PURE. */
import { readTemplateText } from "../../../src/worker/config-check.js";

const GITLAB = "https://gitlab.com";

describe("readTemplateText", () => {
  it.each([
    ["the README's example", 'mirrors:\n  - gitlab: acme-mirror/{repo}\n    create: true\n    branches: ["main", "release/*"]\n'],
    ["{owner} and {repo} together", "mirrors:\n  - gitlab: mirrors/{owner}-{repo}\n"],
    ["placeholders in globs", "mirrors:\n  - gitlab: m/{repo}\n    branches: ['{repo}/*', '{a,b}']\n"],
    ["an opt-out for every repository", "mirrors: []\n"],
  ])("accepts %s", (_name, text) => {
    expect(readTemplateText(text, GITLAB)).toMatchObject({ kind: "valid" });
  });

  it("keeps the placeholders in what it read, for the check run to show", () => {
    const reading = readTemplateText("mirrors:\n  - gitlab: acme-mirror/{repo}\n", GITLAB);
    expect(reading.kind === "valid" && String(reading.config.mirrors[0]!.gitlab)).toBe("acme-mirror/_repo_");
  });

  it.each([
    [
      "an invalid path, in the template's words",
      "mirrors:\n  - gitlab: acme mirror/{repo}\n",
      'line 2: gitlab: "acme mirror/{repo}" is not a valid project path (use only letters, digits, "_", "-", "." and "/")',
    ],
    [
      "a path with no namespace",
      "mirrors:\n  - gitlab: '{repo}'\n",
      'line 2: gitlab: "{repo}" is not a valid project path (it needs a namespace and a project, like "group/project")',
    ],
    [
      "one project for every repository",
      "mirrors:\n  - gitlab: acme-mirror/{owner}\n",
      'mirrors[0].gitlab: "acme-mirror/{owner}" is one GitLab project for every repository: put {repo} in it, like "acme-mirror/{repo}"',
    ],
    ["a project id", "mirrors:\n  - gitlab: 42\n", 'mirrors[0].gitlab: "42" is one GitLab project for every repository: put {repo} in it, like "group/{repo}"'],
    ["an unknown key", "mirrors:\n  - gitlab: g/{repo}\n    prun: true\n", 'line 3: unknown key "prun" (did you mean "prune"?)'],
  ])("refuses %s", (_name, text, problem) => {
    expect(readTemplateText(text, GITLAB)).toMatchObject({ kind: "invalid", problems: [problem] });
  });

  it("annotates the placeholder's own columns", () => {
    const reading = readTemplateText("mirrors:\n  - gitlab: acme mirror/{repo}\n", GITLAB);
    expect(reading.kind === "invalid" && reading.annotations).toEqual([
      expect.objectContaining({ start_line: 2, start_column: 13, end_column: 30, message: expect.stringContaining('"acme mirror/{repo}"') }),
    ]);
  });
});
