import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { planRefUpdates, type RefFacts } from "../../../src/mirror/plan-ref-updates.js";
import { agreedRefsFile, nextAgreedRefs } from "../../../src/mirror/agreed-refs.js";
import type { MirrorResult } from "../../../src/mirror/types.js";
import { facts } from "../../helpers/ref-facts.js";

const H = "refs/heads/";
const T = "refs/tags/";

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
  [
    "leaves a branch the target deleted (source still at the agreed commit) to the other half",
    { [H + "gone"]: "a" },
    {},
    { [H + "gone"]: "a" },
    {},
    { ...none, deferred: [H + "gone"] },
  ],
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
    "follows a deletion of commits only the source removed (a squash-merged branch): the target had not moved since the agreement",
    {},
    { [H + "topic"]: "m" },
    { [H + "topic"]: "m" },
    { facts: facts({ counts: { "m>": [0, 2] } }) },
    { ...none, changes: [{ ref: H + "topic", action: "delete", oldSha: "m", newSha: null, because: "followed" }] },
  ],
  [
    "follows a rewrite on the source when the target had not moved since the agreement",
    { [H + "topic"]: "s" },
    { [H + "topic"]: "a" },
    { [H + "topic"]: "a" },
    { facts: facts({ counts: { "a>s": [1, 1] } }) },
    { ...none, changes: [{ ref: H + "topic", action: "force-update", oldSha: "a", newSha: "s", because: "followed" }] },
  ],
  [
    "leaves a rewrite on the target to the other half when the source had not moved",
    { [H + "topic"]: "a" },
    { [H + "topic"]: "t" },
    { [H + "topic"]: "a" },
    { facts: facts({ counts: { "t>a": [1, 1] } }) },
    { ...none, deferred: [H + "topic"] },
  ],
  [
    "lets force break the tie when both sides rewrote (this half's side wins)",
    { [H + "main"]: "s" },
    { [H + "main"]: "t" },
    { [H + "main"]: "a" },
    { force: true, facts: facts({ counts: { "t>s": [1, 1] } }) },
    { ...none, changes: [{ ref: H + "main", action: "force-update", oldSha: "t", newSha: "s", because: "forced" }] },
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
      agreed: new Map(Object.entries(synced)),
      twoWay: true,
    });
    expect(result).toEqual(expected);
  });

  it("one-way, a target strictly ahead is diverged: there is no other half to bring it back", () => {
    const result = planRefUpdates({
      source: new Map([[H + "main", "a"]]),
      target: new Map([[H + "main", "b"]]),
      includeRef: () => true,
      force: false,
      prune: true,
      facts: facts({ counts: { "b>a": [0, 2] } }),
      agreed: new Map(),
    });
    expect(result).toEqual({ changes: [], refusals: [{ ref: H + "main", reason: "diverged", sourceSha: "a", targetSha: "b", sourceOnly: 0, targetOnly: 2 }], unchangedCount: 0 });
  });
});

/**
 * The rule for every direction: only commits that exist solely on the target block an update or a
 * deletion. Rows: what the source has, what the target has, what the sides last agreed on, the
 * push events' befores, and what happens.
 */
type RuleRow = [
  what: string,
  source: Record<string, string>,
  target: Record<string, string>,
  agreed: Record<string, string>,
  befores: Record<string, string[]>,
  options: { force?: boolean; facts?: RefFacts },
  expected: Pick<MirrorResult, "changes" | "refusals">,
];
const ruleRows: RuleRow[] = [
  [
    "an amended or rebased branch force-pushed: the push's before is the target's tip",
    { [H + "topic"]: "new" },
    { [H + "topic"]: "old" },
    {},
    { [H + "topic"]: ["old"] },
    { facts: facts({ counts: { "old>new": [1, 1] } }) },
    { changes: [{ ref: H + "topic", action: "force-update", oldSha: "old", newSha: "new", because: "followed" }], refusals: [] },
  ],
  [
    "a rewrite with several pushes folded into one job: any before in the chain counts",
    { [H + "topic"]: "c" },
    { [H + "topic"]: "a" },
    {},
    { [H + "topic"]: ["b", "a"] },
    {},
    { changes: [{ ref: H + "topic", action: "force-update", oldSha: "a", newSha: "c", because: "followed" }], refusals: [] },
  ],
  [
    "a rewrite after the last agreement, without an event (reconciliation): the agreed tip counts",
    { [H + "topic"]: "new" },
    { [H + "topic"]: "old" },
    { [H + "topic"]: "old" },
    {},
    {},
    { changes: [{ ref: H + "topic", action: "force-update", oldSha: "old", newSha: "new", because: "followed" }], refusals: [] },
  ],
  [
    "a rewrite whose old tip another source branch still holds",
    { [H + "topic"]: "new", [H + "main"]: "m" },
    { [H + "topic"]: "old", [H + "main"]: "m" },
    {},
    {},
    { facts: facts({ reachable: ["old"] }) },
    { changes: [{ ref: H + "topic", action: "force-update", oldSha: "old", newSha: "new", because: "followed" }], refusals: [] },
  ],
  [
    "a commit made only on the target is refused, whatever the before says of another tip",
    { [H + "main"]: "s" },
    { [H + "main"]: "t" },
    { [H + "main"]: "a" },
    { [H + "main"]: ["a"] },
    { facts: facts({ counts: { "t>s": [1, 1] } }) },
    { changes: [], refusals: [{ ref: H + "main", reason: "diverged", sourceSha: "s", targetSha: "t", sourceOnly: 1, targetOnly: 1 }] },
  ],
  [
    "a squash-merged branch deleted by GitHub: the deletion's before is the target's tip",
    { [H + "main"]: "squash" },
    { [H + "main"]: "base", [H + "topic"]: "t2" },
    {},
    { [H + "topic"]: ["t2"], [H + "main"]: ["base"] },
    { facts: facts({ ancestors: ["base>squash"], counts: { "t2>": [0, 2] } }) },
    {
      changes: [
        { ref: H + "main", action: "fast-forward", oldSha: "base", newSha: "squash" },
        { ref: H + "topic", action: "delete", oldSha: "t2", newSha: null, because: "followed" },
      ],
      refusals: [],
    },
  ],
  [
    "a merged branch deleted: nothing is lost, so no reason (and no backup) is needed",
    { [H + "main"]: "merge" },
    { [H + "main"]: "merge", [H + "topic"]: "t2" },
    {},
    {},
    { facts: facts({ reachable: ["t2"] }) },
    { changes: [{ ref: H + "topic", action: "delete", oldSha: "t2", newSha: null }], refusals: [] },
  ],
  [
    "a branch deleted on the source that holds commits only the target has is kept",
    {},
    { [H + "topic"]: "t" },
    { [H + "topic"]: "a" },
    { [H + "topic"]: ["a"] },
    { facts: facts({ counts: { "t>": [0, 1] } }) },
    { changes: [], refusals: [{ ref: H + "topic", reason: "would-lose-commits", sourceSha: null, targetSha: "t", targetOnly: 1 }] },
  ],
  [
    "...unless force: true",
    {},
    { [H + "topic"]: "t" },
    {},
    {},
    { force: true },
    { changes: [{ ref: H + "topic", action: "force-delete", oldSha: "t", newSha: null, because: "forced" }], refusals: [] },
  ],
  [
    "no record and no before (first sync, cache deleted): copy, never overwrite",
    { [H + "topic"]: "s" },
    { [H + "topic"]: "t" },
    {},
    {},
    {},
    { changes: [], refusals: [{ ref: H + "topic", reason: "diverged", sourceSha: "s", targetSha: "t" }] },
  ],
  [
    "a moved tag still needs force, even when the before names it",
    { [T + "v1"]: "b" },
    { [T + "v1"]: "a" },
    {},
    { [T + "v1"]: ["a"] },
    {},
    { changes: [], refusals: [{ ref: T + "v1", reason: "tag-moved", sourceSha: "b", targetSha: "a" }] },
  ],
];

describe("planRefUpdates: the rule, one way (push and pull mirrors)", () => {
  it.each(ruleRows)("%s", (_what, source, target, agreed, befores, options, expected) => {
    const result = planRefUpdates({
      source: new Map(Object.entries(source)),
      target: new Map(Object.entries(target)),
      includeRef: () => true,
      force: options.force ?? false,
      prune: true,
      facts: options.facts ?? facts(),
      agreed: new Map(Object.entries(agreed)),
      befores: new Map(Object.entries(befores).map(([ref, shas]) => [ref, new Set(shas)])),
    });
    expect({ changes: result.changes, refusals: result.refusals }).toEqual(expected);
  });
});

describe("nextAgreedRefs", () => {
  const m = (o: Record<string, string>) => new Map(Object.entries(o));
  it.each<[string, Record<string, string>, Record<string, string>, Record<string, string>, Array<{ ref: string; newSha: string | null }>, Record<string, string>]>([
    ["records refs both sides now hold at the same commit", {}, { [H + "a"]: "1" }, { [H + "a"]: "1" }, [], { [H + "a"]: "1" }],
    ["counts the changes just pushed", { [H + "a"]: "0" }, { [H + "a"]: "2" }, { [H + "a"]: "0" }, [{ ref: H + "a", newSha: "2" }], { [H + "a"]: "2" }],
    ["forgets refs neither side has any more", { [H + "a"]: "1" }, {}, { [H + "a"]: "1" }, [{ ref: H + "a", newSha: null }], {}],
    ["keeps the old agreement while the sides disagree", { [H + "a"]: "1" }, { [H + "a"]: "2" }, { [H + "a"]: "3" }, [], { [H + "a"]: "1" }],
    ["does not invent an agreement for a one-sided ref", {}, { [H + "a"]: "2" }, {}, [], {}],
    ["forgets refs outside heads and tags", { "refs/pull/1/head": "1" }, { "refs/pull/1/head": "1" }, { "refs/pull/1/head": "1" }, [], {}],
  ])("%s", (_what, synced, source, target, changes, expected) => {
    const next = nextAgreedRefs({
      agreed: m(synced),
      source: m(source),
      target: m(target),
      changes: changes.map((c) => ({ ...c, action: c.newSha ? "fast-forward" : "delete", oldSha: null })),
      includeRef: () => true,
    });
    expect(Object.fromEntries(next)).toEqual(expected);
  });

  it("forgets refs the filter excludes", () => {
    const next = nextAgreedRefs({ agreed: m({ [H + "x"]: "1" }), source: m({ [H + "x"]: "1" }), target: m({ [H + "x"]: "1" }), changes: [], includeRef: () => false });
    expect(next.size).toBe(0);
  });
});

describe("agreement record file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "synced-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("round-trips through a file and treats a missing or damaged file as no agreement", async () => {
    const file = path.join(dir, "sub", "state.json");
    const record = agreedRefsFile(file);
    expect((await record.load()).size).toBe(0);
    const sha = "a".repeat(40);
    await record.save(new Map([[H + "main", sha]]));
    expect(Object.fromEntries(await record.load())).toEqual({ [H + "main"]: sha });
    expect(JSON.parse(await readFile(file, "utf8")).version).toBe(1);
    await writeFile(file, "{ torn");
    expect((await record.load()).size).toBe(0);
    await writeFile(file, JSON.stringify({ version: 1, refs: { [H + "x"]: "not-a-sha" } }));
    expect((await record.load()).size).toBe(0);
  });

  it("rejects a record it cannot read, so the sync reports it instead of acting as if nothing was agreed", async () => {
    const file = path.join(dir, "state.json");
    await mkdir(file); // readFile: EISDIR
    await expect(agreedRefsFile(file).load()).rejects.toMatchObject({ code: "EISDIR" });
  });
});
