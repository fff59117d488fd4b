import { pushArgs } from "../../../src/mirror/push-changes.js";
import type { RefChange } from "../../../src/mirror/types.js";

const A = "a".repeat(40);
const B = "b".repeat(40);

describe("pushArgs", () => {
  it("leases every ref on its planned old value and pushes object ids, forcing only where planned", () => {
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
      `+${A}:refs/heads/rewritten`,
      ":refs/heads/merged",
      ":refs/heads/lost",
    ]);
  });
});
