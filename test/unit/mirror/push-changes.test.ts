import { batches, pushArgs } from "../../../src/mirror/push-changes.js";
import type { RefChange } from "../../../src/mirror/types.js";

const A = "a".repeat(40);
const B = "b".repeat(40);

describe("pushArgs", () => {
  it("leases every ref on its planned old value and pushes object ids, never with a `+` (which would override the lease)", () => {
    const changes: RefChange[] = [
      { ref: "refs/heads/new", action: "create", oldSha: null, newSha: A },
      { ref: "refs/heads/main", action: "fast-forward", oldSha: A, newSha: B },
      { ref: "refs/heads/rewritten", action: "force-update", oldSha: B, newSha: A },
      { ref: "refs/heads/merged", action: "delete", oldSha: A, newSha: null },
      { ref: "refs/heads/lost", action: "force-delete", oldSha: B, newSha: null },
    ];
    expect(pushArgs("https://gitlab.example.com/g/p.git", changes)).toEqual([
      "push",
      "--atomic",
      "--porcelain",
      "--no-verify",
      "--force-with-lease=refs/heads/new:",
      `--force-with-lease=refs/heads/main:${A}`,
      `--force-with-lease=refs/heads/rewritten:${B}`,
      `--force-with-lease=refs/heads/merged:${A}`,
      `--force-with-lease=refs/heads/lost:${B}`,
      "https://gitlab.example.com/g/p.git",
      `${A}:refs/heads/new`,
      `${B}:refs/heads/main`,
      `${A}:refs/heads/rewritten`,
      ":refs/heads/merged",
      ":refs/heads/lost",
    ]);
  });
});

describe("batches", () => {
  it("splits a push too large for one command line, keeping each update and its backup in the same atomic batch", () => {
    const changes: RefChange[] = Array.from({ length: 4000 }, (_, i) => ({
      ref: `refs/heads/renovate/some-fairly-long-dependency-name-${i}`,
      action: "force-update",
      oldSha: A,
      newSha: B,
      because: "followed",
      backupRef: `refs/mirror-backup/heads/renovate/some-fairly-long-dependency-name-${i}/20261205T044000Z`,
    }));

    const split = [...batches(changes)];

    expect(split.length).toBeGreaterThan(1);
    expect(split.flat()).toEqual(changes);
    for (const batch of split) {
      const args = pushArgs("https://gitlab.example.com/g/p.git", batch);
      expect(args.join(" ").length).toBeLessThan(1024 * 1024); // well under Linux's argv limit
      for (const change of batch) {
        expect(args).toContain(`${B}:${change.ref}`);
        expect(args).toContain(`${A}:${change.backupRef}`);
        expect(args).toContain(`--force-with-lease=${change.backupRef}:`);
      }
    }
  });
});
