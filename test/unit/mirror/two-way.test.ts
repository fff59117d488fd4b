import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { planRefUpdates, type RefFacts } from "../../../src/mirror/plan-ref-updates.js";
import { loadSyncedRefs, nextSyncedRefs, saveSyncedRefs } from "../../../src/mirror/two-way.js";
import type { MirrorResult } from "../../../src/mirror/types.js";

const H = "refs/heads/";
const T = "refs/tags/";

function facts({ ancestors = [] as string[], reachable = [] as string[], counts = {} as Record<string, [number, number]> } = {}): RefFacts {
  return {
    isAncestor: (oldSha, newSha) => (ancestors.includes(`${oldSha}>${newSha}`) ? true : undefined),
    isReachableFromSource: (sha) => reachable.includes(sha),
    divergence: (targetSha, sourceSha) => {
      const c = counts[`${targetSha}>${sourceSha ?? ""}`];
      return c && { sourceOnly: c[0], targetOnly: c[1] };
    },
  };
}

type Row = [
  what: string,
  source: Record<string, string>,
  target: Record<string, string>,
  synced: Record<string, string>,
  options: { force?: boolean; prune?: boolean; facts?: RefFacts },
  expected: MirrorResult,
];

const none = { changes: [], refusals: [], unchangedCount: 0, deferred: [] };

const rows: Row[] = [
  ["creates a branch new on the source", { [H + "new"]: "a" }, {}, {}, {}, { ...none, changes: [{ ref: H + "new", action: "create", oldSha: null, newSha: "a" }] }],
  ["leaves a branch the target deleted (source still at the agreed commit) to the other half", { [H + "gone"]: "a" }, {}, { [H + "gone"]: "a" }, {}, { ...none, deferred: [H + "gone"] }],
  [
    "re-creates a branch the target deleted when the source has new commits on it",
    { [H + "gone"]: "b" },
    {},
    { [H + "gone"]: "a" },
    {},
    { ...none, changes: [{ ref: H + "gone", action: "create", oldSha: null, newSha: "b" }] },
  ],
  [
    "re-creates a deleted branch without prune (deletions do not travel)",
    { [H + "gone"]: "a" },
    {},
    { [H + "gone"]: "a" },
    { prune: false },
    { ...none, changes: [{ ref: H + "gone", action: "create", oldSha: null, newSha: "a" }] },
  ],
  [
    "fast-forwards the target when the source is ahead",
    { [H + "main"]: "b" },
    { [H + "main"]: "a" },
    { [H + "main"]: "a" },
    { facts: facts({ ancestors: ["a>b"], counts: { "a>b": [1, 0] } }) },
    { ...none, changes: [{ ref: H + "main", action: "fast-forward", oldSha: "a", newSha: "b" }] },
  ],
  [
    "leaves a target that is strictly ahead to the other half: not diverged",
    { [H + "main"]: "a" },
    { [H + "main"]: "b" },
    { [H + "main"]: "a" },
    { facts: facts({ counts: { "b>a": [0, 2] } }) },
    { ...none, deferred: [H + "main"] },
  ],
  [
    "never rewinds a target that is ahead, even with force",
    { [H + "main"]: "a" },
    { [H + "main"]: "b" },
    {},
    { force: true, facts: facts({ counts: { "b>a": [0, 2] } }) },
    { ...none, deferred: [H + "main"] },
  ],
  [
    "refuses a branch both sides moved, with both shas and counts",
    { [H + "main"]: "s" },
    { [H + "main"]: "t" },
    { [H + "main"]: "a" },
    { facts: facts({ counts: { "t>s": [1, 1] } }) },
    { ...none, refusals: [{ ref: H + "main", reason: "diverged", sourceSha: "s", targetSha: "t", sourceOnly: 1, targetOnly: 1 }] },
  ],
  [
    "deletes a branch the source deleted when the target is still at the agreed commit and loses nothing",
    {},
    { [H + "topic"]: "m" },
    { [H + "topic"]: "m" },
    { facts: facts({ reachable: ["m"] }) },
    { ...none, changes: [{ ref: H + "topic", action: "delete", oldSha: "m", newSha: null }] },
  ],
  [
    "keeps a branch the source deleted when that would lose commits",
    {},
    { [H + "topic"]: "m" },
    { [H + "topic"]: "m" },
    { facts: facts({ counts: { "m>": [0, 2] } }) },
    { ...none, refusals: [{ ref: H + "topic", reason: "would-lose-commits", sourceSha: null, targetSha: "m", targetOnly: 2 }] },
  ],
  [
    "leaves a branch created on the target to the other half, even when it would be deletable",
    {},
    { [H + "fresh"]: "m" },
    {},
    { facts: facts({ reachable: ["m"] }) },
    { ...none, deferred: [H + "fresh"] },
  ],
  [
    "leaves a branch the target moved after the source deleted it",
    {},
    { [H + "topic"]: "n" },
    { [H + "topic"]: "m" },
    { facts: facts({ reachable: ["n"] }) },
    { ...none, deferred: [H + "topic"] },
  ],
  [
    "still refuses a moved tag",
    { [T + "v1"]: "b" },
    { [T + "v1"]: "a" },
    { [T + "v1"]: "a" },
    {},
    { ...none, refusals: [{ ref: T + "v1", reason: "tag-moved", sourceSha: "b", targetSha: "a" }] },
  ],
  ["counts agreeing refs as unchanged", { [H + "main"]: "a" }, { [H + "main"]: "a" }, { [H + "main"]: "a" }, {}, { ...none, unchangedCount: 1 }],
];

describe("planRefUpdates in two-way mode", () => {
  it.each(rows)("%s", (_what, source, target, synced, options, expected) => {
    const result = planRefUpdates({
      source: new Map(Object.entries(source)),
      target: new Map(Object.entries(target)),
      includeRef: () => true,
      force: options.force ?? false,
      prune: options.prune ?? true,
      facts: options.facts ?? facts(),
      synced: new Map(Object.entries(synced)),
    });
    expect(result).toEqual(expected);
  });

  it("plans exactly as before without a synced map (push and pull mirrors)", () => {
    const result = planRefUpdates({
      source: new Map([[H + "main", "a"]]),
      target: new Map([[H + "main", "b"]]),
      includeRef: () => true,
      force: false,
      prune: true,
      facts: facts({ counts: { "b>a": [0, 2] } }),
    });
    expect(result).toEqual({ changes: [], refusals: [{ ref: H + "main", reason: "diverged", sourceSha: "a", targetSha: "b", sourceOnly: 0, targetOnly: 2 }], unchangedCount: 0 });
  });
});

describe("nextSyncedRefs", () => {
  const m = (o: Record<string, string>) => new Map(Object.entries(o));
  it.each<[string, Record<string, string>, Record<string, string>, Record<string, string>, Array<{ ref: string; newSha: string | null }>, Record<string, string>]>([
    ["records refs both sides now hold at the same commit", {}, { [H + "a"]: "1" }, { [H + "a"]: "1" }, [], { [H + "a"]: "1" }],
    ["counts the changes just pushed", { [H + "a"]: "0" }, { [H + "a"]: "2" }, { [H + "a"]: "0" }, [{ ref: H + "a", newSha: "2" }], { [H + "a"]: "2" }],
    ["forgets refs neither side has any more", { [H + "a"]: "1" }, {}, { [H + "a"]: "1" }, [{ ref: H + "a", newSha: null }], {}],
    ["keeps the old agreement while the sides disagree", { [H + "a"]: "1" }, { [H + "a"]: "2" }, { [H + "a"]: "3" }, [], { [H + "a"]: "1" }],
    ["does not invent an agreement for a one-sided ref", {}, { [H + "a"]: "2" }, {}, [], {}],
    ["forgets refs outside heads and tags", { "refs/pull/1/head": "1" }, { "refs/pull/1/head": "1" }, { "refs/pull/1/head": "1" }, [], {}],
  ])("%s", (_what, synced, source, target, changes, expected) => {
    const next = nextSyncedRefs({
      synced: m(synced),
      source: m(source),
      target: m(target),
      changes: changes.map((c) => ({ ...c, action: c.newSha ? "fast-forward" : "delete", oldSha: null })),
      includeRef: () => true,
    });
    expect(Object.fromEntries(next)).toEqual(expected);
  });

  it("forgets refs the filter excludes", () => {
    const next = nextSyncedRefs({ synced: m({ [H + "x"]: "1" }), source: m({ [H + "x"]: "1" }), target: m({ [H + "x"]: "1" }), changes: [], includeRef: () => false });
    expect(next.size).toBe(0);
  });
});

describe("synced state file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "synced-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips through a file and treats a missing or damaged file as no agreement", async () => {
    const file = path.join(dir, "sub", "state.json");
    expect((await loadSyncedRefs(file)).size).toBe(0);
    const sha = "a".repeat(40);
    await saveSyncedRefs(file, new Map([[H + "main", sha]]));
    expect(Object.fromEntries(await loadSyncedRefs(file))).toEqual({ [H + "main"]: sha });
    expect(JSON.parse(await readFile(file, "utf8")).version).toBe(1);
    await writeFile(file, "{ torn");
    expect((await loadSyncedRefs(file)).size).toBe(0);
    await writeFile(file, JSON.stringify({ version: 1, refs: { [H + "x"]: "not-a-sha" } }));
    expect((await loadSyncedRefs(file)).size).toBe(0);
  });
});
