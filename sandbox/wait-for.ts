/**
 * Poll until a condition holds, with a bound. Tests synchronise on observable state (a check
 * run completed, a ref moved) through this, never on sleeps.
 */
export interface WaitForOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** What is awaited, for the timeout message: "check run completed on octo/hello". */
  what: string;
  /** Stop waiting at once (rejecting with the signal's reason), e.g. when the process died. */
  signal?: AbortSignal;
}

export class WaitForTimeoutError extends Error {
  constructor(
    what: string,
    timeoutMs: number,
    readonly lastError?: unknown,
  ) {
    const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
    super(`Timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    this.name = "WaitForTimeoutError";
  }
}

/**
 * Resolves with the first truthy value `predicate` returns. A predicate that throws counts as
 * "not yet" (its last error is reported on timeout), so it can read state that may not exist yet.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, { timeoutMs, intervalMs = 25, what, signal }: WaitForOptions): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    signal?.throwIfAborted();
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) throw new WaitForTimeoutError(what, timeoutMs, lastError);
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(deadline - Date.now(), 0))));
  }
}
