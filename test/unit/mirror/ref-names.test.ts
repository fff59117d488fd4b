import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { isSafeRefName, isValidGitRefFormat } from "../../../src/mirror/ref-names.js";

describe("isSafeRefName", () => {
  it.each([
    "refs/heads/main",
    "refs/heads/feature/login-form",
    "refs/heads/release-1.2",
    "refs/heads/user@feature",
    "refs/heads/ünïcode",
    "refs/tags/v1.0.0",
    "refs/tags/v1.0.0-rc.1+build",
    "refs/heads/a.b/c_d",
  ])("accepts %s", (ref) => expect(isSafeRefName(ref)).toBe(true));

  it.each([
    ["outside heads and tags", "refs/pull/1/head"],
    ["a merge request ref", "refs/merge-requests/1/head"],
    ["a bare HEAD", "HEAD"],
    ["a prefix with no name", "refs/heads/"],
    ["a branch named HEAD", "refs/heads/HEAD"],
    ["an option-looking name", "--upload-pack=evil"],
    ["a short name starting with a dash", "refs/heads/-rf"],
    ["a double dot", "refs/heads/a..b"],
    ["a component starting with a dot", "refs/heads/.hidden"],
    ["a nested component starting with a dot", "refs/heads/a/.b"],
    ["a .lock suffix", "refs/heads/main.lock"],
    ["a nested .lock component", "refs/heads/x.lock/y"],
    ["a trailing dot", "refs/heads/main."],
    ["a trailing slash", "refs/heads/main/"],
    ["a double slash", "refs/heads//main"],
    ["@{", "refs/heads/a@{1}"],
    ["a space", "refs/heads/a b"],
    ["a tab", "refs/heads/a\tb"],
    ["a newline", "refs/heads/a\nb"],
    ["DEL", "refs/heads/a\x7fb"],
    ["a NUL", "refs/heads/a\0b"],
    ["a tilde", "refs/heads/a~1"],
    ["a caret", "refs/heads/a^"],
    ["a colon (refspec separator)", "refs/heads/a:refs/heads/b"],
    ["a question mark", "refs/heads/a?"],
    ["an asterisk", "refs/heads/*"],
    ["an open bracket", "refs/heads/a[1]"],
    ["a backslash", "refs/heads/a\\b"],
    ["an absurd length", `refs/heads/${"a".repeat(2000)}`],
    ["a case-different prefix", "Refs/Heads/main"],
  ])("rejects %s", (_what, ref) => expect(isSafeRefName(ref)).toBe(false));
});

describe("isValidGitRefFormat", () => {
  const run = promisify(execFile);
  const gitAccepts = (ref: string) =>
    run("git", ["check-ref-format", ref], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } }).then(
      () => true,
      () => false,
    );

  // git itself is the oracle for the rules this module reimplements (argv cannot carry NUL).
  it.each([
    "refs/heads/main",
    "refs/heads/a..b",
    "refs/heads/.a",
    "refs/heads/a.lock",
    "refs/heads/a.lock.b",
    "refs/heads/a/",
    "refs/heads//a",
    "refs/heads/a.",
    "refs/heads/a@{b",
    "refs/heads/a@b",
    "@",
    "refs/@",
    "refs/heads/a b",
    "refs/heads/a\tb",
    "refs/heads/a~",
    "refs/heads/a^",
    "refs/heads/a:",
    "refs/heads/a?",
    "refs/heads/a*",
    "refs/heads/a[",
    "refs/heads/a\\b",
    "refs/heads/-a",
    "refs/heads/ü",
    "main",
    "/refs/heads/a",
    "refs/heads/a\x7f",
    "refs/heads/a\x01",
    "refs/heads/{a}",
    "refs/heads/a}",
    "refs/heads/@{",
    "refs/heads/a/.lock",
    "refs/heads/..",
    "refs/./a",
  ])("agrees with git check-ref-format on %j", async (ref) => {
    expect(isValidGitRefFormat(ref)).toBe(await gitAccepts(ref));
  });
});
