import { planRefUpdates, type RefFacts } from "../../../src/mirror/plan-ref-updates.js";
import type { MirrorResult } from "../../../src/mirror/types.js";
import { facts } from "../../helpers/ref-facts.js";

const H = "refs/heads/";
const T = "refs/tags/";

type Row = [
  what: string,
  source: Record<string, string>,
  target: Record<string, string>,
  options: { force?: boolean; prune?: boolean; include?: (ref: string) => boolean; facts?: RefFacts },
  expected: MirrorResult,
];

const none = { changes: [], refusals: [], unchangedCount: 0 };

const rows: Row[] = [
  ["creates a branch missing on the target", { [H + "main"]: "a" }, {}, {}, { ...none, changes: [{ ref: H + "main", action: "create", oldSha: null, newSha: "a" }] }],
  ["creates a tag missing on the target", { [T + "v1"]: "t" }, {}, {}, { ...none, changes: [{ ref: T + "v1", action: "create", oldSha: null, newSha: "t" }] }],
  ["counts equal refs as unchanged", { [H + "main"]: "a", [T + "v1"]: "t" }, { [H + "main"]: "a", [T + "v1"]: "t" }, {}, { ...none, unchangedCount: 2 }],
  [
    "fast-forwards when the target tip is an ancestor",
    { [H + "main"]: "b" },
    { [H + "main"]: "a" },
    { facts: facts({ ancestors: ["a>b"] }) },
    { ...none, changes: [{ ref: H + "main", action: "fast-forward", oldSha: "a", newSha: "b" }] },
  ],
  [
    "refuses a diverged branch with both shas and counts",
    { [H + "main"]: "s" },
    { [H + "main"]: "t" },
    { facts: facts({ counts: { "t>s": [2, 1] } }) },
    { ...none, refusals: [{ ref: H + "main", reason: "diverged", sourceSha: "s", targetSha: "t", sourceOnly: 2, targetOnly: 1 }] },
  ],
  [
    "refuses a diverged branch even when counts are unknown",
    { [H + "main"]: "s" },
    { [H + "main"]: "t" },
    {},
    { ...none, refusals: [{ ref: H + "main", reason: "diverged", sourceSha: "s", targetSha: "t" }] },
  ],
  [
    "treats a source that is behind the target as diverged (never rewinds)",
    { [H + "main"]: "old" },
    { [H + "main"]: "new" },
    { facts: facts({ ancestors: ["old>new"], counts: { "new>old": [0, 3] } }) },
    { ...none, refusals: [{ ref: H + "main", reason: "diverged", sourceSha: "old", targetSha: "new", sourceOnly: 0, targetOnly: 3 }] },
  ],
  [
    "force-updates a diverged branch with force",
    { [H + "main"]: "s" },
    { [H + "main"]: "t" },
    { force: true },
    { ...none, changes: [{ ref: H + "main", action: "force-update", oldSha: "t", newSha: "s", because: "forced" }] },
  ],
  [
    "still reports a fast-forward as such under force",
    { [H + "main"]: "b" },
    { [H + "main"]: "a" },
    { force: true, facts: facts({ ancestors: ["a>b"] }) },
    { ...none, changes: [{ ref: H + "main", action: "fast-forward", oldSha: "a", newSha: "b" }] },
  ],
  [
    "refuses a moved tag even when the new commit descends from the old",
    { [T + "v1"]: "b" },
    { [T + "v1"]: "a" },
    { facts: facts({ ancestors: ["a>b"] }) },
    { ...none, refusals: [{ ref: T + "v1", reason: "tag-moved", sourceSha: "b", targetSha: "a" }] },
  ],
  [
    "moves a tag with force",
    { [T + "v1"]: "b" },
    { [T + "v1"]: "a" },
    { force: true },
    { ...none, changes: [{ ref: T + "v1", action: "force-update", oldSha: "a", newSha: "b", because: "forced" }] },
  ],
  [
    "deletes a branch whose tip the source still contains",
    {},
    { [H + "merged"]: "m" },
    { facts: facts({ reachable: ["m"] }) },
    { ...none, changes: [{ ref: H + "merged", action: "delete", oldSha: "m", newSha: null }] },
  ],
  [
    "deletes a tag whose commit the source still contains",
    {},
    { [T + "old"]: "m" },
    { facts: facts({ reachable: ["m"] }) },
    { ...none, changes: [{ ref: T + "old", action: "delete", oldSha: "m", newSha: null }] },
  ],
  [
    "refuses a deletion that would lose commits, with the count",
    {},
    { [H + "topic"]: "x" },
    { facts: facts({ counts: { "x>": [0, 4] } }) },
    { ...none, refusals: [{ ref: H + "topic", reason: "would-lose-commits", sourceSha: null, targetSha: "x", targetOnly: 4 }] },
  ],
  [
    "force-deletes with force",
    {},
    { [H + "topic"]: "x" },
    { force: true },
    { ...none, changes: [{ ref: H + "topic", action: "force-delete", oldSha: "x", newSha: null, because: "forced" }] },
  ],
  ["never deletes without prune, even merged and forced", {}, { [H + "merged"]: "m" }, { prune: false, force: true, facts: facts({ reachable: ["m"] }) }, none],
  ["never touches refs the filter excludes", { [H + "main"]: "s", [H + "new"]: "n" }, { [H + "main"]: "t", [H + "gone"]: "g" }, { force: true, include: () => false }, none],
  [
    "applies the filter per ref",
    { [H + "release/1"]: "a", [H + "feature"]: "b" },
    {},
    { include: (ref) => ref.startsWith(H + "release/") },
    { ...none, changes: [{ ref: H + "release/1", action: "create", oldSha: null, newSha: "a" }] },
  ],
  [
    "ignores refs outside heads and tags on either side",
    { "refs/pull/1/head": "p", "refs/merge-requests/1/head": "q", HEAD: "a" },
    { "refs/pull/2/head": "p", "refs/keep-around/x": "k" },
    { force: true },
    none,
  ],
  [
    "skips unsafe names on either side",
    { "refs/heads/-x": "a", "refs/heads/a..b": "b", "refs/heads/HEAD": "c", "refs/heads/ok": "d" },
    { "refs/heads/x.lock": "e", "refs/tags/bad name": "f" },
    { force: true },
    { ...none, changes: [{ ref: H + "ok", action: "create", oldSha: null, newSha: "d" }] },
  ],
  [
    "sorts changes and refusals by ref",
    { [H + "b"]: "2", [H + "a"]: "1", [T + "z"]: "9", [T + "y"]: "8" },
    { [T + "z"]: "0", [T + "y"]: "7" },
    {},
    {
      changes: [
        { ref: H + "a", action: "create", oldSha: null, newSha: "1" },
        { ref: H + "b", action: "create", oldSha: null, newSha: "2" },
      ],
      refusals: [
        { ref: T + "y", reason: "tag-moved", sourceSha: "8", targetSha: "7" },
        { ref: T + "z", reason: "tag-moved", sourceSha: "9", targetSha: "0" },
      ],
      unchangedCount: 0,
    },
  ],
];

describe("planRefUpdates", () => {
  it.each(rows)("%s", (_what, source, target, options, expected) => {
    const result = planRefUpdates({
      source: new Map(Object.entries(source)),
      target: new Map(Object.entries(target)),
      includeRef: options.include ?? (() => true),
      force: options.force ?? false,
      prune: options.prune ?? true,
      facts: options.facts ?? facts(),
      agreed: new Map(),
    });
    expect(result).toEqual(expected);
  });

  it("never asks the filter about unsafe or foreign refs", () => {
    const asked: string[] = [];
    planRefUpdates({
      source: new Map([
        ["refs/pull/1/head", "a"],
        ["refs/heads/-rf", "b"],
        ["refs/heads/main", "c"],
      ]),
      target: new Map(),
      includeRef: (ref) => (asked.push(ref), true),
      force: false,
      prune: true,
      facts: facts(),
      agreed: new Map(),
    });
    expect(asked).toEqual(["refs/heads/main"]);
  });
});
