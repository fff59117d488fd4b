/**
 * Failures nobody sees in a check run must be in the log: here, the failing check run of an
 * invalid .mirror.yml that GitHub refuses to create (the real app process, the fake GitHub).
 */
import { randomUUID } from "node:crypto";
import { startE2E, type E2E } from "../helpers/e2e.js";

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E({ LOG_LEVEL: "debug" }); // for "mirror job finished and reported"
});

afterAll(async () => {
  await e2e?.stop();
});

it("logs, with the repository, a failing check run that GitHub refused to create", async () => {
  const { repo } = await e2e.linkedPair({ mirrorYml: () => "mirrors:\n  - gitlab: group/project\n    direction: sideways\n" });
  const push = await e2e.sandbox.github.commitAndPush(repo, { branch: "main", files: { "a.txt": "a" } }); // .mirror.yml unchanged
  e2e.sandbox.github.failNext({ method: "POST", path: /\/check-runs$/, status: 403, body: { message: "Resource not accessible by integration" } });
  const delivery = randomUUID();
  await e2e.deliverPush(repo, push, delivery);
  await e2e.app.waitForLog((line) => line.includes(delivery) && line.includes("mirror job finished and reported"), 20_000);

  expect(e2e.sandbox.github.checkRuns(repo)).toEqual([]); // refused: the log is the only trace
  const lines = e2e.app
    .logs()
    .filter((line) => line.includes("Resource not accessible by integration"))
    .map((line) => JSON.parse(line) as { level: number; repo?: string; msg: string });
  expect(lines).toEqual([expect.objectContaining({ level: 40, repo, msg: expect.stringMatching(/^could not /) })]);
  expect(e2e.app.logs().filter((line) => line.includes("ghs_"))).toEqual([]); // the error carries the request: its token is redacted
});
