import { cleanLogTail } from "../../../src/pipelines/log-tail.js";
import { clearSecretsForTests, registerSecret } from "../../../src/secrets.js";

afterEach(() => clearSecretsForTests());

describe("the end of a failed job's log", () => {
  it("strips ANSI colours and GitLab's section markers (a line holding only a marker goes)", () => {
    const raw = [
      "\x1b[0KRunning with gitlab-runner 17.0.0\x1b[0;m",
      "section_start:1700000000:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting step_script\x1b[0;m",
      "section_start:1700000001:tests[collapsed=true]\r\x1b[0K$ npm test",
      "\x1b[31;1mFAIL\x1b[0m test/a.test.ts",
      "section_end:1700000009:step_script\r\x1b[0K",
      "\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m",
      "",
    ].join("\n");
    expect(cleanLogTail(raw)).toBe(
      ["Running with gitlab-runner 17.0.0", "Executing step_script", "$ npm test", "FAIL test/a.test.ts", "ERROR: Job failed: exit code 1"].join("\n"),
    );
  });

  it("keeps what a progress bar finally showed, and drops other control characters", () => {
    expect(cleanLogTail("Downloading 10%\r20%\r100% done\r\nbell\x07 here\n")).toBe("100% done\nbell here");
  });

  it("keeps the last 40 lines", () => {
    const raw = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join("\n");
    const tail = cleanLogTail(raw).split("\n");
    expect(tail).toHaveLength(40);
    expect(tail[0]).toBe("line 61");
    expect(tail.at(-1)).toBe("line 100");
  });

  it("redacts the secrets the process knows", () => {
    registerSecret("glpat-supersecretvalue123", "long-lived");
    expect(cleanLogTail("$ curl -H 'PRIVATE-TOKEN: glpat-supersecretvalue123' https://gitlab\n401")).not.toContain("supersecretvalue");
  });

  it("caps the length, keeping the end where the error is", () => {
    const raw = Array.from({ length: 40 }, (_, i) => `${String(i).padStart(2, "0")} ${"x".repeat(500)}`).join("\n");
    const tail = cleanLogTail(raw, { maxChars: 2_000 });
    expect(tail.length).toBeLessThanOrEqual(2_001);
    expect(tail.startsWith("…")).toBe(true);
    expect(tail).toContain(`39 ${"x".repeat(500)}`);
    expect(tail).not.toContain("00 x");
  });
});
