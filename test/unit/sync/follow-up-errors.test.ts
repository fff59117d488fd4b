/** The follow-up's failures (reporting a failed sync, the token pre-flight) leave a log line with the repository. */
import type { MirrorConfig } from "../../../src/config/schema.js";
import { createFollowUp, type FinishedMirror } from "../../../src/sync/follow-up.js";
import { syncJob } from "../../../src/worker/mirror-job.js";
import { bufferLogger } from "../../helpers/buffer-logger.js";

const refused = (message: string) => async () => {
  throw Object.assign(new Error(message), { status: 403 });
};

const finished = (): FinishedMirror => ({
  job: syncJob({ installationId: 1, owner: "octo", repo: "app" }, "interval"),
  octokit: { rest: { repos: { getBranch: refused("Resource not accessible by integration") } } } as never,
  repo: { owner: "octo", repo: "app" },
  defaultBranch: "main",
  mirror: { gitlab: "group/app", direction: "push", notify: "none" } as MirrorConfig,
  target: "group/app",
  report: { projectPath: "group/app", conclusion: "failure", output: { title: "GitLab project group/app was not found", summary: "" } },
  result: null,
  cacheDir: "/nonexistent",
  reportedShas: [],
});

it("logs, with the repository, a failed sync whose check run could not be placed on the default branch", async () => {
  const { log, lines } = bufferLogger("info");
  await createFollowUp({ log, gitTimeoutMs: 1_000 }).after(finished());
  expect(lines).toEqual([
    expect.objectContaining({
      level: 40,
      repo: "octo/app",
      target: "group/app",
      msg: "could not report what the sync changed",
      err: expect.objectContaining({ message: "Resource not accessible by integration" }),
    }),
  ]);
});

it("logs, with the repository, a GitLab token whose details could not be read, and still reports", async () => {
  const { log, lines } = bufferLogger("info");
  const { reportedShas: _, ...info } = finished();
  const report = await createFollowUp({ log, gitTimeoutMs: 1_000, gitlab: { tokenInfo: refused("403 Forbidden") } }).amend(info);
  expect(report.conclusion).toBe("failure");
  expect(lines).toEqual([expect.objectContaining({ level: 40, repo: "octo/app", target: "group/app", err: expect.objectContaining({ message: "403 Forbidden" }) })]);
});
