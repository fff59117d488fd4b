/**
 * gitbeaker's requester with mirror-bot's retry policy. gitbeaker's own handler retries 429 and
 * 502 ten times within a quarter of a second and ignores `Retry-After`, which turns a rate limit
 * into a burst. This one waits what GitLab asks on 429 (any method: the request was not
 * processed), backs off with jitter on 5xx and network errors for requests that are safe to
 * repeat (never a POST, which could create twice), and otherwise answers exactly like gitbeaker:
 * `{ body, headers, status }`, or a GitbeakerRequestError carrying the response, which
 * client.ts's toGitLabError maps to the one vocabulary of failure.
 */
import { createRequesterFn, getMatchingRateLimiter, GitbeakerRequestError, GitbeakerTimeoutError, type RateLimiters } from "@gitbeaker/requester-utils";
import { backoffMs, sleep as realSleep } from "../retry.js";

export interface RequesterPolicy {
  /** Attempts per request (1 = no retry). */
  attempts: number;
  baseMs: number;
  /** Cap for one wait, Retry-After included. */
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (info: { method: string; path: string; status: number | null; waitMs: number; attempt: number }) => void;
}

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/** PURE: whether (and why) to try again. */
export function retryDecision(method: string, status: number | null): "rate-limited" | "transient" | null {
  if (status === 429) return "rate-limited";
  const transient = status === null || status === 408 || (status >= 500 && status !== 501);
  return transient && IDEMPOTENT.has(method.toUpperCase()) ? "transient" : null;
}

/** PURE: `Retry-After` as seconds (delta-seconds or an HTTP date); undefined when absent or bad. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

async function processBody(response: Response): Promise<unknown> {
  const contentType = (response.headers.get("content-type") || "").split(";")[0]!.trim();
  if (contentType === "application/json") return response.json().then((v) => v || {});
  if (contentType.startsWith("text/")) return response.text().then((t) => t || "");
  return response.blob();
}

async function failedRequestError(request: Request, response: Response): Promise<GitbeakerRequestError> {
  const content = await response.text();
  let description = content;
  if (response.headers.get("content-type")?.includes("application/json")) {
    try {
      const output = JSON.parse(content) as { error?: unknown; message?: unknown };
      const property = output?.error || output?.message || "";
      description = typeof property === "string" ? property : JSON.stringify(property);
    } catch {
      // keep the text
    }
  }
  return new GitbeakerRequestError(description, { cause: { description, request, response } });
}

export function retryingRequesterFn(policy: RequesterPolicy) {
  const wait = policy.sleep ?? realSleep;
  return createRequesterFn(
    (_serviceOptions, requestOptions) => Promise.resolve(requestOptions),
    async (endpoint: string, options?: Record<string, unknown>) => {
      const {
        rateLimiters,
        agent,
        asStream,
        prefixUrl,
        searchParams,
        method = "GET",
        ...rest
      } = (options ?? {}) as {
        rateLimiters?: RateLimiters;
        agent?: unknown;
        asStream?: boolean;
        prefixUrl?: string;
        searchParams?: string;
        method?: string;
        [key: string]: unknown;
      };
      const rateLimit = getMatchingRateLimiter(endpoint, rateLimiters, method);
      const base = prefixUrl ? (prefixUrl.endsWith("/") ? prefixUrl : `${prefixUrl}/`) : undefined;
      const url = new URL(endpoint, base);
      url.search = searchParams || "";
      for (let attempt = 1; ; attempt++) {
        const request = new Request(url, { ...(rest as RequestInit), method });
        await rateLimit();
        let response: Response | null = null;
        let networkError: unknown;
        try {
          response = await (agent ? fetch(request, { dispatcher: agent } as RequestInit) : fetch(request));
        } catch (error) {
          const name = (error as { name?: string }).name;
          if (name === "TimeoutError" || name === "AbortError") throw new GitbeakerTimeoutError("Query timeout was reached");
          networkError = error;
        }
        if (response?.ok) {
          const body = asStream ? response.body : response.status === 204 ? null : await processBody(response);
          return { body, headers: Object.fromEntries(response.headers.entries()), status: response.status } as never;
        }
        const status = response?.status ?? null;
        const decision = retryDecision(method, status);
        if (!decision || attempt >= policy.attempts) {
          if (!response) throw networkError;
          throw await failedRequestError(request, response);
        }
        const retryAfter = decision === "rate-limited" ? parseRetryAfter(response?.headers.get("retry-after")) : undefined;
        const waitMs = Math.min(backoffMs(attempt, policy.baseMs, policy.maxMs ?? 30_000, retryAfter), policy.maxMs ?? 60_000);
        await response?.body?.cancel().catch(() => undefined); // a discarded body; the retry is what matters
        policy.onRetry?.({ method, path: url.pathname, status, waitMs, attempt });
        await wait(waitMs);
      }
    },
  );
}
