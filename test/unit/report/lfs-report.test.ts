/** How a sync's Git LFS work reads on the check run. */
import type { BlockedRef, MirrorResult } from "../../../src/mirror/types.js";
import { formatBytes } from "../../../src/report/lfs-report.js";
import { renderMirrorReport } from "../../../src/report/render-mirror-report.js";
import { renderPullReport } from "../../../src/report/render-pull-report.js";

const change = (ref: string) => ({ ref, action: "fast-forward" as const, oldSha: "a".repeat(40), newSha: "b".repeat(40) });
const result = (over: Partial<MirrorResult>): MirrorResult => ({ changes: [], refusals: [], unchangedCount: 0, ...over });

test("the title counts the LFS objects copied and their size", () => {
  const report = renderMirrorReport({
    projectPath: "g/p",
    result: result({ changes: [change("refs/heads/a"), change("refs/heads/b"), change("refs/tags/v1")], lfs: { copied: 12, bytes: 340 * 1024 * 1024 } }),
    durationMs: 41_000,
    attempts: 1,
  });
  expect(report.output.title).toBe("Mirrored 3 refs and 12 LFS objects (340 MB) to GitLab in 41.0 s");
});

test("a ref left out names its first 10 objects with sizes, the service's words and the fix; the pull direction too", () => {
  const objects = Array.from({ length: 12 }, (_, i) => ({ oid: String(i % 10).repeat(64), size: (i + 1) * 1024 * 1024, path: `assets/${i}.bin` }));
  const blocked: BlockedRef = { ...change("refs/heads/art"), rule: "lfs", cause: "target-limit", objects, serviceMessage: "Size must be less than or equal to 2147483648" };
  const pull = renderPullReport({
    projectPath: "g/p",
    repoHtmlUrl: "https://github.com/o/r",
    direction: "pull",
    durationMs: 1000,
    attempts: 1,
    result: result({ changes: [change("refs/heads/main")], blocked: [blocked] }),
  });
  expect(pull.conclusion).toBe("failure");
  expect(pull.output.title).toBe("art not mirrored: GitHub refused its LFS objects (size limit or quota)");
  expect(pull.output.summary).toContain("- `assets/0.bin` (1 MB, `000000000000`)");
  expect(pull.output.summary).toContain("- `assets/9.bin` (10 MB, `999999999999`)");
  expect(pull.output.summary).not.toContain("assets/10.bin");
  expect(pull.output.summary).toContain("- … and 2 more");
  expect(pull.output.summary).toContain("> Size must be less than or equal to 2147483648");
  expect(pull.output.summary).toContain("2 GB");
});

test.each([
  [999, "999 B"],
  [1536, "1.5 KB"],
  [340 * 1024 * 1024, "340 MB"],
  [2 * 1024 ** 3, "2 GB"],
])("formatBytes(%i) = %s", (bytes, text) => {
  expect(formatBytes(bytes)).toBe(text);
});
