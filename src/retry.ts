/** Retries an operation that failed with a retryable MirrorError, with jittered exponential backoff. */
import { toMirrorError, type MirrorError } from "./errors.js";

export interface RetryOptions {
  attempts: number;
  baseMs: number;
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (error: MirrorError, attempt: number, waitMs: number) => void;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The wait before attempt `attempt + 1`: Retry-After when the server gave one, else backoff with jitter. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, retryAfterSeconds?: number, random = Math.random): number {
  if (retryAfterSeconds !== undefined) return Math.min(retryAfterSeconds * 1000, Math.max(maxMs, 60_000));
  const exponential = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

export type RetryOutcome<T> = { ok: true; value: T; attempts: number } | { ok: false; error: MirrorError; attempts: number };

export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<RetryOutcome<T>> {
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await operation(attempt), attempts: attempt };
    } catch (thrown) {
      const error = toMirrorError(thrown);
      if (!error.retryable || attempt >= options.attempts) return { ok: false, error, attempts: attempt };
      const ms = backoffMs(attempt, options.baseMs, options.maxMs ?? 30_000, error.retryAfterSeconds);
      options.onRetry?.(error, attempt, ms);
      await wait(ms);
    }
  }
}
