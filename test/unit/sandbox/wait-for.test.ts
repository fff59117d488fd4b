import { waitFor, WaitForTimeoutError } from "../../../sandbox/wait-for.js";

describe("waitFor", () => {
  it("resolves with the first truthy value", async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? { calls } : undefined), { timeoutMs: 1_000, intervalMs: 1, what: "three calls" })).resolves.toEqual({ calls: 3 });
  });

  it("treats a throwing predicate as not yet, and names what it waited for on timeout", async () => {
    const error = await waitFor(
      async () => {
        throw new Error("ref missing");
      },
      { timeoutMs: 50, intervalMs: 5, what: "refs/heads/main on GitLab" },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitForTimeoutError);
    expect((error as Error).message).toBe("Timed out after 50 ms waiting for refs/heads/main on GitLab (last error: ref missing)");
  });
});

describe("waitFor with a signal", () => {
  it("stops at once when aborted", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const waiting = waitFor(() => false, { timeoutMs: 10_000, intervalMs: 5, what: "never", signal: controller.signal });
    controller.abort(new Error("process died"));
    await expect(waiting).rejects.toThrow("process died");
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
