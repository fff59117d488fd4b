import { parseForEachRef, parseLsRemote, parsePushPorcelain } from "../../../src/mirror/git-output.js";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);

describe("parseLsRemote", () => {
  it("reads refs and keeps peeled tag targets apart", () => {
    const output = `${A}\tHEAD\n${A}\trefs/heads/main\n${B}\trefs/tags/v1\n${C}\trefs/tags/v1^{}\n${A}\trefs/tags/light\n`;
    expect(parseLsRemote(output)).toEqual({
      refs: new Map([
        ["HEAD", A],
        ["refs/heads/main", A],
        ["refs/tags/v1", B],
        ["refs/tags/light", A],
      ]),
      peeled: new Map([["refs/tags/v1", C]]),
    });
  });

  it("ignores warnings and blank lines", () => {
    expect(parseLsRemote("warning: redirecting to x\n\nnot-a-sha\trefs/heads/x\n").refs.size).toBe(0);
  });
});

describe("parseForEachRef", () => {
  it("reads `<oid> <ref>` lines", () => {
    expect(parseForEachRef(`${A} refs/heads/main\n${B} refs/tags/v1\n`)).toEqual(
      new Map([
        ["refs/heads/main", A],
        ["refs/tags/v1", B],
      ]),
    );
  });
});

describe("parsePushPorcelain", () => {
  it("reads every flag git push --porcelain prints", () => {
    const output = [
      "To http://127.0.0.1/g/p.git",
      `*\t${A}:refs/heads/new\t[new branch]`,
      ` \t${A}:refs/heads/main\taaaaaaa..bbbbbbb`,
      `+\t${A}:refs/heads/forced\tbbbbbbb...aaaaaaa (forced update)`,
      "-\t:refs/heads/gone\t[deleted]",
      `=\t${A}:refs/tags/v1\t[up to date]`,
      `!\t${A}:refs/heads/blocked\t[remote rejected] (hook declined)`,
      "Done",
      "remote: error: hook declined to update refs/heads/blocked",
    ].join("\n");
    const statuses = parsePushPorcelain(output);
    expect([...statuses.values()].map((s) => [s.ref, s.ok])).toEqual([
      ["refs/heads/new", true],
      ["refs/heads/main", true],
      ["refs/heads/forced", true],
      ["refs/heads/gone", true],
      ["refs/tags/v1", true],
      ["refs/heads/blocked", false],
    ]);
    expect(statuses.get("refs/heads/blocked")?.summary).toBe("[remote rejected] (hook declined)");
  });
});
