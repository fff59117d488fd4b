/**
 * `npm run demo` as a smoke test: the real demo script (built by `npm test`'s pretest), start to
 * end: the mirror's check run, then a GitLab pipeline on the GitHub commit going red with the
 * failing job's log and green after Re-run, then the divergence report.
 */
import { spawn } from "node:child_process";

function runDemo(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["lib/sandbox/demo.js"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

test("npm run demo shows a push mirrored, a GitLab pipeline red with its log then green after Re-run, and a divergence refused", async () => {
  const { code, output } = await runDemo();
  expect({ code, tail: code === 0 ? "" : output.slice(-3000) }).toEqual({ code: 0, tail: "" });
  expect(output).toMatch(/"GitLab mirror \(acme\/platform\/hello\)" → success/);
  expect(output).toMatch(/"GitLab CI \(acme\/platform\/hello\)" on [0-9a-f]{7}: queued/);
  expect(output).toMatch(/→ failure: Pipeline #\d+ failed: test\n/);
  expect(output).toContain("✗ test check 46: expected 200, got 500");
  expect(output).toContain("⚠️ failed (allowed to fail)");
  expect(output).toMatch(/→ success: Pipeline #\d+ passed\n[\s\S]*re-run 1\./);
  expect(output).toContain("main has diverged on GitLab: not overwritten");
}, 120_000);
