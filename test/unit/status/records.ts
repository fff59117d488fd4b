/** Status records for tests: one healthy mirror by default, overridden per case. */
import type { MirrorStatusRecord } from "../../../src/status/types.js";

export function statusRecord(overrides: Partial<MirrorStatusRecord> = {}): MirrorStatusRecord {
  return {
    installationId: 1,
    owner: "octo",
    repo: "hello",
    private: false,
    direction: "push",
    target: "group/hello",
    targetUrl: "https://gitlab.example/group/hello",
    lastSyncAt: "2024-05-01T12:00:00.000Z",
    lastResult: "success",
    lastTitle: "Mirrored 2 refs to group/hello",
    lagRefs: 0,
    durationMs: 1500,
    consecutiveFailures: 0,
    ...overrides,
  };
}

/** A failing mirror: main diverged on GitLab. */
export function failingRecord(overrides: Partial<MirrorStatusRecord> = {}): MirrorStatusRecord {
  return statusRecord({
    repo: "broken",
    target: "group/broken",
    targetUrl: "https://gitlab.example/group/broken",
    lastResult: "failure",
    lastTitle: "1 ref refused: main diverged on GitLab",
    lastError: "main has commits on GitLab that are not on GitHub; merge them into GitHub or allow force pushes.",
    lagRefs: 1,
    consecutiveFailures: 3,
    ...overrides,
  });
}
