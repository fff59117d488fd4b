/**
 * What the Git LFS step reads: pointer files (git-lfs docs/spec.md), and how a server's refusal
 * of a whole batch is understood (a cause the user can fix, or an error for the whole sync).
 */
import { MirrorError } from "../../../src/errors.js";
import { classifyBatchRefusal, lfsUrl } from "../../../src/lfs/batch-api.js";
import { parseLfsPointer } from "../../../src/mirror/lfs-pointers.js";

const OID = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";

describe("parseLfsPointer", () => {
  it.each([
    ["the spec's example", `version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\nsize 12345\n`, { oid: OID, size: 12345 }],
    ["with an extension key between", `version https://git-lfs.github.com/spec/v1\next-0-foo sha256:${"0".repeat(64)}\noid sha256:${OID}\nsize 0\n`, { oid: OID, size: 0 }],
    ["the pre-release (hawser) version", `version https://hawser.github.com/spec/v1\noid sha256:${OID}\nsize 7\n`, { oid: OID, size: 7 }],
    ["a text file that mentions LFS", `We use Git LFS: version https://git-lfs.github.com/spec/v1\n`, null],
    ["an oid that is not SHA-256", `version https://git-lfs.github.com/spec/v1\noid sha1:${"a".repeat(40)}\nsize 1\n`, null],
    ["no size", `version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\n`, null],
  ])("%s", (_name, text, expected) => {
    expect(parseLfsPointer(text)).toEqual(expected);
  });
});

test("the LFS server of a remote is <url>.git/info/lfs", () => {
  expect(lfsUrl("https://gitlab.example.com/group/project.git")).toBe("https://gitlab.example.com/group/project.git/info/lfs");
  expect(lfsUrl("https://github.com/octo/repo")).toBe("https://github.com/octo/repo.git/info/lfs");
});

describe("classifyBatchRefusal", () => {
  it.each([
    [404, "Not found.", "upload", "GitLab", "lfs-disabled"],
    [501, "Git LFS is not enabled on this GitLab server, contact your admin.", "upload", "GitLab", "lfs-disabled"],
    [403, "Git LFS is disabled for this repository.", "upload", "GitHub", "lfs-disabled"],
    [406, "Your push has been rejected, because this repository has exceeded its size limit of 10 MB by 2 MB.", "upload", "GitLab", "target-limit"],
    [403, "This repository is over its data quota. Account responsible for LFS bandwidth should purchase more data packs to restore access.", "upload", "GitHub", "target-limit"],
    [413, "Request Entity Too Large", "upload", "GitLab", "target-limit"],
    [
      403,
      "This repository is over its data quota. Account responsible for LFS bandwidth should purchase more data packs to restore access.",
      "download",
      "GitHub",
      "missing-on-source",
    ],
    [404, "Not found.", "download", "GitLab", "missing-on-source"],
  ] as const)("%i %s (%s to %s) → %s", (status, message, operation, remote, cause) => {
    expect(classifyBatchRefusal(status, message, operation, remote)).toEqual({ cause, message });
  });

  it.each([
    [401, "GitLab", "gitlab_unauthorized", false],
    [403, "GitLab", "gitlab_forbidden", false],
    [404, "GitHub", "github_forbidden", false],
    [503, "GitHub", "transient", true],
    [429, "GitLab", "transient", true],
  ] as const)("%i from %s fails the sync: %s", (status, remote, code, retryable) => {
    const error = classifyBatchRefusal(status, "Access forbidden. Check your access level.", "upload", remote, "7") as MirrorError;
    expect(error).toBeInstanceOf(MirrorError);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
  });
});
