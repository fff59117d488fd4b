/** Events arrive twice, late and out of order: the GitLab status never goes backwards, and never asks GitLab for a move it refuses. */
import { planStatusUpdate, runIdOf, type ShownStatus, type WantedStatus } from "../../../src/checks-to-gitlab/plan-status-update.js";

const run = (state: WantedStatus["state"], runId: number): WantedStatus => ({ state, runId, current: false });
const status = (state: WantedStatus["state"]): WantedStatus => ({ state, runId: null, current: true });
const shown = (state: string, runId: number | null = null): ShownStatus => ({ state, runId });

describe("planStatusUpdate", () => {
  it.each<[string, ShownStatus | null, WantedStatus, boolean]>([
    ["first event of a check", null, run("pending", 5), true],
    ["queued → in progress", shown("pending", 5), run("running", 5), true],
    ["in progress → completed", shown("running", 5), run("success", 5), true],
    ["queued → completed at once", shown("pending", 5), run("failed", 5), true],
    ["duplicate completed", shown("success", 5), run("success", 5), false],
    ["duplicate in progress (GitLab would answer 400)", shown("running", 5), run("running", 5), false],
    ["late in progress after completed", shown("success", 5), run("running", 5), false],
    ["late queued after in progress (GitLab would answer 400)", shown("running", 5), run("pending", 5), false],
    ["late queued after completed", shown("failed", 5), run("pending", 5), false],
    ["re-run queued after a failure", shown("failed", 5), run("pending", 6), true],
    ["re-run succeeds after a failure", shown("failed", 5), run("success", 6), true],
    ["re-run's same result still links the new run", shown("success", 5), run("success", 6), true],
    ["re-run queued while the old run is open: GitLab keeps the open job", shown("running", 5), run("pending", 6), false],
    ["re-run completes over the old open job", shown("running", 5), run("success", 6), true],
    ["an older run's late event after the re-run's", shown("success", 6), run("failed", 5), false],
    ["a run GitLab shows without a run link: forward only", shown("success"), run("running", 7), false],
    ["status: first", null, status("pending"), true],
    ["status: pending → success", shown("pending"), status("success"), true],
    ["status: unchanged", shown("failed"), status("failed"), false],
    ["status: GitHub shows pending again (a re-run)", shown("success"), status("pending"), true],
    ["status: GitHub now shows success after failure", shown("failed"), status("success"), true],
    ["status: still pending (GitLab would answer 400)", shown("pending"), status("pending"), false],
  ])("%s", (_what, before, wanted, write) => {
    expect(planStatusUpdate(before, wanted).write).toBe(write);
  });

  it("says why it leaves a status alone", () => {
    expect(planStatusUpdate(shown("success", 5), run("running", 5))).toEqual({ write: false, reason: "a late running event after success" });
  });
});

describe("runIdOf", () => {
  it.each([
    ["https://github.com/octo/repo/runs/4242", 4242],
    ["https://ghe.example.com/octo/repo/runs/17?check_suite_focus=true", 17],
    ["https://github.com/octo/repo/actions/runs/99/job/3", 3],
    ["https://ci.example.com/build/12", null],
    [null, null],
  ])("%s → %s", (url, id) => {
    expect(runIdOf(url)).toBe(id);
  });
});
