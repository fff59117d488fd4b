import { pipelinesOn, validateMirrorFile } from "../../../src/config/schema.js";
import { checkStateOf, currentRun, isAppJob, nextStep, parseExternalId, pipelineExternalId, pipelineState } from "../../../src/pipelines/pipeline-status.js";

describe("GitLab status → check run", () => {
  it.each([
    ["created", { status: "queued" }],
    ["waiting_for_resource", { status: "queued" }],
    ["preparing", { status: "queued" }],
    ["pending", { status: "queued" }],
    ["scheduled", { status: "queued" }],
    ["running", { status: "in_progress" }],
    ["success", { status: "completed", conclusion: "success" }],
    ["failed", { status: "completed", conclusion: "failure" }],
    ["canceled", { status: "completed", conclusion: "cancelled" }],
    ["skipped", { status: "completed", conclusion: "skipped" }],
    ["manual", { status: "completed", conclusion: "action_required" }],
    ["blocked", { status: "completed", conclusion: "action_required" }],
  ])("%s → %j", (gitlab, expected) => {
    expect(checkStateOf(gitlab)).toEqual(expected);
  });
});

const job = (name: string, status: string, allowFailure = false) => ({ name, status, allowFailure });

describe("a pipeline's state, worked out from its jobs", () => {
  it.each([
    ["every job waiting", "pending", [job("a", "pending"), job("b", "created")], { status: "queued" }],
    ["the first job runs", "running", [job("a", "running"), job("b", "created")], { status: "in_progress" }],
    ["one stage done, the next waiting", "running", [job("a", "success"), job("b", "pending")], { status: "in_progress" }],
    ["all passed", "success", [job("a", "success"), job("b", "success")], { status: "completed", conclusion: "success" }],
    ["a job failed", "failed", [job("a", "success"), job("b", "failed")], { status: "completed", conclusion: "failure" }],
    ["a job allowed to fail failed: a warning", "success", [job("a", "success"), job("b", "failed", true)], { status: "completed", conclusion: "success" }],
    ["cancelled", "canceled", [job("a", "success"), job("b", "canceled")], { status: "completed", conclusion: "cancelled" }],
    ["a blocking manual job waits", "manual", [job("a", "success"), job("deploy", "manual")], { status: "completed", conclusion: "action_required" }],
    ["a manual job that may wait does not block", "success", [job("a", "success"), job("deploy", "manual", true)], { status: "completed", conclusion: "success" }],
    ["all skipped", "skipped", [job("a", "skipped")], { status: "completed", conclusion: "skipped" }],
    ["the app's failed github/<check> job is left out", "failed", [job("a", "success"), job("github/ci", "failed")], { status: "completed", conclusion: "success" }],
    [
      "the app's pending github-mirror job does not keep it running",
      "running",
      [job("a", "success"), job("github-mirror", "pending")],
      { status: "completed", conclusion: "success" },
    ],
    ["only the app's jobs: no check run", "failed", [job("github-mirror", "success"), job("github/ci", "failed")], null],
  ] as const)("%s", (_what, pipelineStatus, jobs, expected) => {
    expect(pipelineState(pipelineStatus, [...jobs])).toEqual(expected);
  });

  it("knows the app's own jobs by name", () => {
    expect(["github-mirror", "github/ci", "github/build (ubuntu)"].every(isAppJob)).toBe(true);
    expect(["github", "mirror", "test", "github-actions"].some(isAppJob)).toBe(false);
  });
});

describe("finding and moving a pipeline's check run", () => {
  it("carries the pipeline id, and the retry number of a re-run, in external_id", () => {
    expect(pipelineExternalId(70001, 0)).toBe("70001");
    expect(pipelineExternalId(70001, 2)).toBe("70001-retry-2");
    expect(parseExternalId("70001-retry-2")).toEqual({ pipelineId: 70001, retry: 2 });
    expect(parseExternalId("delivery-abc")).toBeNull();
  });

  it("takes the latest run of the pipeline, ignoring other pipelines and other apps' ids", () => {
    const runs = [
      { id: 1, status: "completed", external_id: "70001" },
      { id: 2, status: "completed", external_id: "70001-retry-1" },
      { id: 3, status: "queued", external_id: "70002" },
      { id: 4, status: "queued", external_id: null },
    ];
    expect(currentRun(runs, 70001)).toEqual({ run: runs[1], retry: 1 });
    expect(currentRun(runs, 70003)).toBeNull();
  });

  const open = (status: string) => ({ run: { id: 9, status }, retry: 0 });
  const completed = { run: { id: 9, status: "completed", conclusion: "success" }, retry: 1 };
  it.each([
    ["a new pipeline gets a check run", null, { status: "queued" }, { kind: "create", retry: 0, state: { status: "queued" } }],
    ["a queued run starts", open("queued"), { status: "in_progress" }, { kind: "update", runId: 9, state: { status: "in_progress" } }],
    ["a late 'queued' after 'in progress' keeps it in progress", open("in_progress"), { status: "queued" }, { kind: "update", runId: 9, state: { status: "in_progress" } }],
    ["it completes", open("in_progress"), { status: "completed", conclusion: "failure" }, { kind: "update", runId: 9, state: { status: "completed", conclusion: "failure" } }],
    ["a completed run never changes", completed, { status: "completed", conclusion: "failure" }, { kind: "none", why: "its check run is already completed" }],
    ["a pipeline running again after completion is a new run", completed, { status: "queued" }, { kind: "create", retry: 2, state: { status: "queued" } }],
    ["no job of its own: nothing", null, null, { kind: "none", why: "the pipeline has no job of its own (only the app's commit statuses)" }],
  ] as const)("%s", (_what, current, state, expected) => {
    expect(nextStep(current, state)).toEqual(expected);
  });
});

describe("pipelines: in .mirror.yml", () => {
  it.each([
    ["push", undefined, true],
    ["both", undefined, true],
    ["pull", undefined, false],
    ["push", false, false],
    ["pull", true, true],
  ] as const)("direction %s, pipelines %s → reported: %s", (direction, pipelines, expected) => {
    const parsed = validateMirrorFile({ mirrors: [{ gitlab: "g/p", direction, ...(pipelines === undefined ? {} : { pipelines }) }] });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(pipelinesOn(parsed.config.mirrors[0]!)).toBe(expected);
  });

  it("refuses anything but true or false", () => {
    expect(validateMirrorFile({ mirrors: [{ gitlab: "g/p", pipelines: "yes" }] })).toMatchObject({
      ok: false,
      issues: [{ path: ["mirrors", 0, "pipelines"], message: 'pipelines must be true or false (got "yes")' }],
    });
  });
});
