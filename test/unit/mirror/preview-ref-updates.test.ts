import type { RefFacts } from "../../../src/mirror/plan-ref-updates.js";
import { previewRefUpdates, type PreviewEntry } from "../../../src/mirror/preview-ref-updates.js";
import type { BlockedRef, RefChange } from "../../../src/mirror/types.js";

const H = "refs/heads/";
const T = "refs/tags/";

/** No history known: what a plan faces without a cache. */
const UNKNOWN: RefFacts = { isAncestor: () => undefined, isReachableFromSource: () => false, divergence: () => undefined };
/** History known: "old>new" pairs are ancestors; `reachable` tips live on in a source ref; counts "target>source". */
function known(ancestors: string[], reachable: string[], counts: Record<string, [number, number]> = {}): RefFacts {
  return {
    isAncestor: (o, n) => (ancestors.includes(`${o}>${n}`) ? true : counts[`${o}>${n}`] ? false : undefined),
    isReachableFromSource: (sha) => reachable.includes(sha),
    divergence: (t, s) => {
      const c = counts[`${t}>${s ?? ""}`];
      return c && { sourceOnly: c[0], targetOnly: c[1] };
    },
  };
}

type Row = [
  what: string,
  source: Record<string, string>,
  target: Record<string, string>,
  options: { prune?: boolean; force?: boolean; facts?: RefFacts; agreed?: Record<string, string>; twoWay?: boolean },
  expected: PreviewEntry[],
];

const rows: Row[] = [
  ["a new branch is created", { [H + "main"]: "a" }, {}, {}, [{ ref: H + "main", group: "create" }]],
  ["a fast-forward known from the cache", { [H + "main"]: "b" }, { [H + "main"]: "a" }, { facts: known(["a>b"], []) }, [{ ref: H + "main", group: "fast-forward" }]],
  ["a changed branch without history is undecided, not refused", { [H + "main"]: "b" }, { [H + "main"]: "a" }, {}, [{ ref: H + "main", group: "undecided-update" }]],
  [
    "a known divergence is refused",
    { [H + "main"]: "b" },
    { [H + "main"]: "a" },
    { facts: known([], [], { "a>b": [1, 2] }) },
    [{ ref: H + "main", group: "refuse", why: "diverged: the target has commits the source lacks" }],
  ],
  [
    "a rewrite followed from the agreement record is an overwrite",
    { [H + "topic"]: "b" },
    { [H + "topic"]: "a" },
    { agreed: { [H + "topic"]: "a" } },
    [{ ref: H + "topic", group: "overwrite", why: "the source rewrote it" }],
  ],
  ["force overwrites a changed branch", { [H + "main"]: "b" }, { [H + "main"]: "a" }, { force: true }, [{ ref: H + "main", group: "overwrite", why: "force: true" }]],
  [
    "a moved tag is refused without force",
    { [T + "v1"]: "b" },
    { [T + "v1"]: "a" },
    {},
    [{ ref: T + "v1", group: "refuse", why: "tag moved: tags are only moved with `force: true`" }],
  ],
  ["a stale branch is kept without prune", { [H + "main"]: "a" }, { [H + "main"]: "a", [H + "old"]: "a" }, { prune: false }, []],
  [
    "a stale branch whose commits GitHub has is deleted with prune",
    { [H + "main"]: "a" },
    { [H + "main"]: "a", [H + "old"]: "x" },
    { facts: known([], ["x"]) },
    [{ ref: H + "old", group: "delete" }],
  ],
  ["a stale branch without history is undecided", { [H + "main"]: "a" }, { [H + "main"]: "a", [H + "old"]: "x" }, {}, [{ ref: H + "old", group: "undecided-delete" }]],
  [
    "a stale branch with commits only on the target is refused",
    { [H + "main"]: "a" },
    { [H + "main"]: "a", [H + "old"]: "x" },
    { facts: known([], [], { "x>": [0, 3] }) },
    [{ ref: H + "old", group: "refuse", why: "the target has commits the source lacks" }],
  ],
  [
    "two-way: a branch that moved on the target alone is left for the other direction",
    { [H + "main"]: "a" },
    { [H + "main"]: "b" },
    { twoWay: true, agreed: { [H + "main"]: "a" } },
    [{ ref: H + "main", group: "defer" }],
  ],
];

describe("previewRefUpdates", () => {
  it.each(rows)("%s", (_what, source, target, options, expected) => {
    const preview = previewRefUpdates({
      source: new Map(Object.entries(source)),
      target: new Map(Object.entries(target)),
      includeRef: () => true,
      prune: options.prune ?? true,
      force: options.force ?? false,
      facts: options.facts ?? UNKNOWN,
      agreed: new Map(Object.entries(options.agreed ?? {})),
      twoWay: options.twoWay,
    });
    expect(preview.entries).toEqual(expected);
  });

  it("marks what the target's protected branches would refuse, as the sync's pre-flight does", () => {
    const blockedBy = (changes: RefChange[]): BlockedRef[] => changes.filter((c) => c.ref === H + "main").map((c) => ({ ...c, rule: "delete", protectedBy: "main" }));
    const preview = previewRefUpdates(
      {
        source: new Map([[H + "dev", "a"]]),
        target: new Map([
          [H + "dev", "a"],
          [H + "main", "x"],
          [H + "old", "x"],
        ]),
        includeRef: () => true,
        prune: true,
        force: false,
        facts: known([], ["x"]),
        agreed: new Map(),
      },
      blockedBy,
    );
    expect(preview.entries).toEqual([
      { ref: H + "main", group: "refuse", why: "protected by `main`" },
      { ref: H + "old", group: "delete" },
    ]);
    expect(preview.unchangedCount).toBe(1);
  });
});
