import { MirrorError } from "../../src/errors.js";
import { backoffMs, withRetry } from "../../src/retry.js";

describe("withRetry", () => {
  it("retries transient errors, honours Retry-After, then succeeds", async () => {
    const waits: number[] = [];
    let calls = 0;
    const outcome = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw new MirrorError("transient", "GitLab answered 429", { retryAfterSeconds: 7 });
        if (calls === 2) throw new MirrorError("transient", "GitLab answered 500");
        return "done";
      },
      { attempts: 4, baseMs: 100, sleep: async (ms) => void waits.push(ms) },
    );
    expect(outcome).toEqual({ ok: true, value: "done", attempts: 3 });
    expect(waits[0]).toBe(7000);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
  });

  it("does not retry an error that will not go away", async () => {
    let calls = 0;
    const outcome = await withRetry(
      async () => {
        calls++;
        throw new MirrorError("gitlab_project_not_found", "not found");
      },
      { attempts: 4, baseMs: 1, sleep: async () => undefined },
    );
    expect(calls).toBe(1);
    expect(outcome.ok).toBe(false);
  });

  it("treats an unknown error as a bug: no retry, and its text is not shown to users", async () => {
    const outcome = await withRetry(
      async () => {
        throw new Error("ECONNRESET secret detail");
      },
      { attempts: 3, baseMs: 1, sleep: async () => undefined },
    );
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.attempts).toBe(1);
      expect(outcome.error.code).toBe("internal");
      expect(outcome.error.userMessage).not.toContain("secret");
    }
  });

  it.each([
    [1, 1000, 500, 1000],
    [2, 1000, 1000, 2000],
    [10, 1000, 15000, 30000],
  ])("backoff for attempt %i with base %i lies in [%i, %i]", (attempt, base, low, high) => {
    expect(backoffMs(attempt, base, 30_000, undefined, () => 0)).toBe(low);
    expect(backoffMs(attempt, base, 30_000, undefined, () => 1)).toBe(high);
  });
});

describe("withRetry giving up", () => {
  it("returns the last transient error after the last attempt", async () => {
    let calls = 0;
    const outcome = await withRetry(
      async () => {
        calls++;
        throw new MirrorError("transient", `GitLab answered 50${calls}`);
      },
      { attempts: 3, baseMs: 1, sleep: async () => undefined },
    );
    expect(calls).toBe(3);
    expect(outcome.ok ? null : outcome.error.userMessage).toBe("GitLab answered 503");
  });
});
