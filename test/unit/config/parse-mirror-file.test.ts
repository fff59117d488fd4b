import { parseMirrorFile, type ConfigProblem } from "../../../src/config/parse-mirror-file.js";

const DEFAULTS = { direction: "push", branches: null, tags: true, prune: true, force: false, notify: "issue", create: false, lfs: true };

describe("parseMirrorFile: valid files", () => {
  it.each([
    ["opt-out", "mirrors: []\n", []],
    ["minimal, defaults applied", "mirrors:\n  - gitlab: group/project\n", [{ gitlab: "group/project", ...DEFAULTS }]],
    ["numeric project id", "mirrors:\n  - gitlab: 4242\n", [{ gitlab: 4242, ...DEFAULTS }]],
    [
      "every key set",
      [
        "# mirror to our own instance",
        "mirrors:",
        "  - gitlab: group/sub-group/my.project_2",
        "    url: https://gitlab.example.com/",
        "    direction: both",
        '    branches: ["main", "release/*"]',
        "    tags: [v*]",
        "    prune: false",
        "    force: true",
        "    notify: none",
        "    lfs: false",
      ].join("\n"),
      [
        {
          gitlab: "group/sub-group/my.project_2",
          url: "https://gitlab.example.com/",
          direction: "both",
          branches: ["main", "release/*"],
          tags: ["v*"],
          prune: false,
          force: true,
          notify: "none",
          create: false,
          lfs: false,
        },
      ],
    ],
  ])("%s", (_name, text, mirrors) => {
    expect(parseMirrorFile(text)).toEqual({ ok: true, config: { mirrors } });
  });

  it("accepts the same project on different instances", () => {
    const result = parseMirrorFile("mirrors: [{gitlab: a/b}, {gitlab: a/b, url: 'http://gitlab.internal'}]");
    expect(result).toEqual({
      ok: true,
      config: {
        mirrors: [
          { gitlab: "a/b", ...DEFAULTS },
          { gitlab: "a/b", url: "http://gitlab.internal", ...DEFAULTS },
        ],
      },
    });
  });
});

/** [name, yaml lines, message, path, [line, column, endLine, endColumn]] */
type ErrorCase = [string, string[], string, ConfigProblem["path"], [number, number, number, number]];

describe("parseMirrorFile: one problem, placed on the offending node", () => {
  it.each<ErrorCase>([
    [
      "unknown key with a suggestion",
      ["mirrors:", "  - gitlab: group/project", "    brnches: [main]"],
      'unknown key "brnches" (did you mean "branches"?)',
      ["mirrors", 0, "brnches"],
      [3, 5, 3, 11],
    ],
    ["unknown key without a close match", ["mirrors: []", "owner: me"], 'unknown key "owner" (allowed: mirrors)', ["owner"], [2, 1, 2, 5]],
    ["wrong type", ["mirrors:", "  - gitlab: group/project", '    prune: "yes"'], 'prune must be true or false (got "yes")', ["mirrors", 0, "prune"], [3, 12, 3, 16]],
    [
      "tags of the wrong type",
      ["mirrors:", "  - gitlab: group/project", "    tags: v*"],
      'tags must be true, false or a list of glob patterns (got "v*")',
      ["mirrors", 0, "tags"],
      [3, 11, 3, 12],
    ],
    [
      "unbalanced glob in a flow list",
      ["mirrors:", "  - gitlab: group/project", '    branches: ["main", "re[lease"]'],
      'branches[1]: "re[lease" is not a valid glob pattern (missing closing "]")',
      ["mirrors", 0, "branches", 1],
      [3, 24, 3, 33],
    ],
    [
      "glob with a space in a block list",
      ["mirrors:", "  - gitlab: group/project", "    tags:", "      - v*", "      - main branch"],
      'tags[1]: "main branch" is not a valid glob pattern (branch and tag names cannot contain spaces)',
      ["mirrors", 0, "tags", 1],
      [5, 9, 5, 19],
    ],
    [
      "unknown direction",
      ["mirrors:", "  - gitlab: group/project", "    direction: sideways"],
      'direction must be one of push, pull, both (got "sideways")',
      ["mirrors", 0, "direction"],
      [3, 16, 3, 23],
    ],
    [
      "gitlab path without a namespace",
      ["mirrors:", "  - gitlab: project"],
      'gitlab: "project" is not a valid project path (it needs a namespace and a project, like "group/project")',
      ["mirrors", 0, "gitlab"],
      [2, 13, 2, 19],
    ],
    [
      "gitlab path with .git",
      ["mirrors:", "  - gitlab: group/project.git"],
      'gitlab: "group/project.git" is not a valid project path (drop the ".git" suffix)',
      ["mirrors", 0, "gitlab"],
      [2, 13, 2, 29],
    ],
    [
      "url with credentials",
      ["mirrors:", "  - gitlab: group/project", "    url: https://oauth2:s3cret@gitlab.com"],
      "url must not contain credentials; mirror-bot uses its own token for each GitLab instance. Remove them and revoke that token",
      ["mirrors", 0, "url"],
      [3, 10, 3, 41],
    ],
    [
      "duplicate mirror (paths are case-insensitive, trailing slash ignored)",
      ["mirrors:", "  - gitlab: Group/Project", "    url: https://gitlab.com/", "  - gitlab: group/project", "    url: https://gitlab.com"],
      'duplicate mirror: mirrors[0] already mirrors to "group/project" on https://gitlab.com',
      ["mirrors", 1, "gitlab"],
      [4, 13, 4, 25],
    ],
    [
      "missing gitlab: the mapping that lacks it",
      ["mirrors:", "  - direction: pull", "    force: true"],
      'missing required key "gitlab": the GitLab project path (like "group/project") or numeric id to mirror to',
      ["mirrors", 0, "gitlab"],
      [2, 5, 3, 15],
    ],
    [
      "empty value points at its key",
      ["mirrors:", "  - gitlab:"],
      'gitlab must be a project path like "group/project" or a numeric project id (got an empty value)',
      ["mirrors", 0, "gitlab"],
      [2, 5, 2, 10],
    ],
    ["a mirror that is not a mapping", ["mirrors:", "  - group/project"], 'mirrors[0] must be a mapping of keys to values (got "group/project")', ["mirrors", 0], [2, 5, 2, 17]],
    [
      "YAML syntax error: unclosed flow list",
      ["mirrors: [", ""],
      "YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
      [],
      [2, 1, 2, 1],
    ],
    [
      "YAML syntax error: duplicate key",
      ["mirrors: []", "mirrors: []"],
      "YAML syntax error: Map keys must be unique",
      [],
      [2, 1, 2, 1], // yaml reports the first character of the repeated key
    ],
    ["empty file", [""], 'the file is empty: list your mirrors under "mirrors:", or write "mirrors: []" to opt out', [], [1, 1, 1, 1]],
    ["only comments", ["# TODO: mirror this", ""], 'the file is empty: list your mirrors under "mirrors:", or write "mirrors: []" to opt out', [], [1, 1, 1, 1]],
    ["not a mapping", ["- gitlab: a/b"], 'the file must be a mapping with a "mirrors" key', [], [1, 1, 1, 13]],
    ["mirrors left empty", ["mirrors:"], "mirrors must be a list (got an empty value)", ["mirrors"], [1, 1, 1, 7]],
  ])("%s", (_name, lines, message, path, [line, column, endLine, endColumn]) => {
    expect(parseMirrorFile(lines.join("\n"))).toEqual({
      ok: false,
      problems: [{ message, path, line, column, endLine, endColumn }],
    });
  });
});

describe("parseMirrorFile: several problems", () => {
  it("reports a misspelt mirrors key twice, ordered by position", () => {
    const result = parseMirrorFile("mirror:\n  - gitlab: a/b\n");
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          message: 'missing required key "mirrors": list your mirrors under "mirrors:", or write "mirrors: []" to opt out',
          path: ["mirrors"],
          ...{ line: 1, column: 1, endLine: 2, endColumn: 15 },
        },
        { message: 'unknown key "mirror" (did you mean "mirrors"?)', path: ["mirror"], line: 1, column: 1, endLine: 1, endColumn: 6 },
      ],
    });
  });

  it("reports every bad entry of a list, not just the first", () => {
    const result = parseMirrorFile('mirrors:\n  - gitlab: a/b\n    branches: [1, "a b", "ok", "x:y"]\n');
    expect(result.ok ? [] : result.problems.map((p) => [p.path.join("."), p.column])).toEqual([
      ["mirrors.0.branches.0", 16],
      ["mirrors.0.branches.1", 19],
      ["mirrors.0.branches.3", 32],
    ]);
  });

  it("never echoes credentials, wherever they were written", () => {
    const result = parseMirrorFile("mirrors:\n  - gitlab: https://me:s3cret@gitlab.com/a/b\n");
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain("s3cret");
  });

  it("reports a repeated YAML error once", () => {
    const result = parseMirrorFile("[".repeat(50));
    expect(result.ok ? [] : result.problems.map((p) => [p.message, p.line, p.column])).toEqual([
      ["YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]", 1, 51],
      ["YAML syntax error: Flow sequence must end with a ]", 1, 51],
    ]);
  });
});

describe("parseMirrorFile: never throws", () => {
  // "billion laughs": each anchor repeats the previous one three times
  const names = "abcdefghij".split("");
  const bomb = names.map((name, i) => (i === 0 ? "a: &a [x, x, x]" : `${name}: &${name} [*${names[i - 1]}, *${names[i - 1]}, *${names[i - 1]}]`));

  it.each([
    ["alias bomb", bomb.join("\n")],
    ["unresolved alias", "mirrors: *nope"],
    ["deep nesting", "[".repeat(5000)],
    ["binary", "\u0000\u0001\uFFFF"],
    ["tabs", "mirrors:\n\t- gitlab: a/b"],
    ["custom tag", "mirrors: !!js/function 'x'"],
    ["__proto__ key", "__proto__: {polluted: true}\nmirrors: []"],
  ])("%s", (_name, text) => {
    const result = parseMirrorFile(text);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems[0].line).toBeGreaterThanOrEqual(1);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
